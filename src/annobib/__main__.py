from .cli import main

if __name__ == "__main__":     # the model process (analyze/worker.py) is spawned and imports this module again
    main()
