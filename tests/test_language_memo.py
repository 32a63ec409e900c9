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
