"""Make ohsumed-sample.jsonl from a local git copy of yao8839836/text_gcn (see SOURCES.md).

    python make_subset.py /path/to/text_gcn.git > ohsumed-sample.jsonl

Every document of data/ohsumed_single_23 (training and test, 7,400), grouped by its
category; from each category round(3000 * share) documents drawn with random.Random(22),
written sorted by id. A document's first line is its title, the other lines its abstract
(one sentence a line in the source; joined here with a space).
"""
import json
import random
import subprocess
import sys

COMMIT = "962223652e9bb164ac2d83cd09fc7b8845ce860b"
TOTAL = 3000
NAMES = {  # MeSH 1991 tree C headings of the 23 OHSUMED categories (for reading; the codes are the labels)
    "C01": "Bacterial Infections and Mycoses", "C02": "Virus Diseases", "C03": "Parasitic Diseases",
    "C04": "Neoplasms", "C05": "Musculoskeletal Diseases", "C06": "Digestive System Diseases",
    "C07": "Stomatognathic Diseases", "C08": "Respiratory Tract Diseases",
    "C09": "Otorhinolaryngologic Diseases", "C10": "Nervous System Diseases", "C11": "Eye Diseases",
    "C12": "Urologic and Male Genital Diseases", "C13": "Female Genital Diseases and Pregnancy Complications",
    "C14": "Cardiovascular Diseases", "C15": "Hemic and Lymphatic Diseases",
    "C16": "Neonatal Diseases and Abnormalities", "C17": "Skin and Connective Tissue Diseases",
    "C18": "Nutritional and Metabolic Diseases", "C19": "Endocrine Diseases", "C20": "Immunologic Diseases",
    "C21": "Disorders of Environmental Origin", "C22": "Animal Diseases",
    "C23": "Pathological Conditions, Signs and Symptoms",
}


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], capture_output=True, text=True, check=True).stdout


def main(repo):
    by_label = {}
    for line in git(repo, "ls-tree", "-r", COMMIT, "--", "data/ohsumed_single_23").splitlines():
        meta, path = line.split("\t")
        _, split, label, name = path.rsplit("/", 3)
        by_label.setdefault(label, []).append((f"{split}/{label}/{name}", meta.split()[2]))
    total = sum(len(v) for v in by_label.values())
    rng = random.Random(22)
    chosen = []
    for label in sorted(by_label):
        docs = sorted(by_label[label])
        chosen += [(doc_id, blob, label) for doc_id, blob in rng.sample(docs, round(TOTAL * len(docs) / total))]
    for doc_id, blob, label in sorted(chosen):
        lines = [x.strip() for x in git(repo, "cat-file", "-p", blob).splitlines() if x.strip()]
        print(json.dumps({"id": doc_id, "title": lines[0], "abstract": " ".join(lines[1:]), "label": label,
                          "label_name": NAMES[label]}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
