"""A rebuild detects the language only of new or changed texts (the memo in the cache)."""
from __future__ import annotations

from annobib.analyze import language
from annobib.analyze.language import LanguageMemo

TEXTS = ["Die Geschichte der Stadt Basel im Mittelalter und ihre Zünfte",
         "A study of gradient descent for training deep neural networks",
         "Une histoire de la ville de Genève au dix-huitième siècle"]


def test_each_text_is_detected_once_across_builds(tmp_path, monkeypatch):
    calls = []
    real = language.detect_language
    monkeypatch.setattr(language, "detect_language", lambda text: calls.append(text) or real(text))
    path = tmp_path / "languages.json"
    first = LanguageMemo(path)
    found = [first.detect(t) for t in TEXTS]
    first.save()
    assert found == ["de", "en", "fr"] and len(calls) == 3

    second = LanguageMemo(path)
    assert [second.detect(t) for t in TEXTS] == found and len(calls) == 3, "a known text was detected again"
    changed = TEXTS[1] + " with momentum"
    assert second.detect(changed) == "en" and calls[-1] == changed
    second.save()

    third = LanguageMemo(path)
    assert third.detect(changed) == "en" and len(calls) == 4


def test_a_clear_text_reads_the_language_model_once(monkeypatch):
    """The fallback among declarable languages is built only for a weak first guess, and
    from the identifier already loaded (reading py3langid's model file costs 0.4 s)."""
    from py3langid.langid import LanguageIdentifier

    language._identifier.cache_clear()
    language._declarable_identifier.cache_clear()
    reads = []
    real = LanguageIdentifier.from_model_file.__func__
    monkeypatch.setattr(LanguageIdentifier, "from_model_file",
                        classmethod(lambda cls, *a, **k: reads.append(a) or real(cls, *a, **k)))
    try:
        assert language.detect_language(TEXTS[2]) == "fr"
        assert language._declarable_identifier.cache_info().currsize == 0, "the fallback was built for a clear text"
        # A short title is too weak among all 142 languages and is told among the declarable ones.
        assert language.detect_language("Die Basler Heirat. Geschichte der Fusion Ciba-Geigy") == "de"
        assert language._declarable_identifier.cache_info().currsize == 1
        assert len(reads) == 1, "the model file was read more than once"
        # Restricting the fallback left the full identifier with all its languages.
        assert len(language._identifier().nb_classes) > len(language._declarable_identifier().nb_classes)
        assert language.detect_language(TEXTS[0]) == "de"
    finally:
        language._identifier.cache_clear()
        language._declarable_identifier.cache_clear()
