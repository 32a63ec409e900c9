"""The small fixture corpus (tests/fixtures/small_corpus) as a hand-made Bibliography.

No models: themes, annotations, related papers and methods are written here, with a
hostile entry whose every field tries to escape. Used by the render and citation tests.
"""
from __future__ import annotations

from pathlib import Path

from annobib.corpus import load_corpus
from annobib.models import Annotation, Bibliography, MethodEntry, Related, Theme
from annobib.organize.people import with_people_venues_years

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "small_corpus"
HOSTILE = "hostile_probe"
SL2A = "heidari2024singlelayer"

THEMES = (
    Theme(slug="activations", label="Activation functions & <b>spectral</b> bias",
          description="Periodic, polynomial and learnable activations for coordinate networks.",
          keyphrases=("periodic activation", "spectral bias"),
          papers=("heidari2024singlelayer", "mehrabian2024implicit", "singh2023polynomial", "sitzmann2020implicit"),
          see_also=("geometry",)),
    Theme(slug="geometry", label="Surfaces and scenes",
          description="Occupancy, level sets and human avatars.",
          keyphrases=("occupancy network",),
          papers=("dynamicappearance", "novello2022neural", "peng2020convolutional"),
          see_also=("activations",)),
    Theme(slug="hostile-theme", label="<script>alert('theme')</script> [t](javascript:x)",
          description="{{ 7*7 }} !!! warning", keyphrases=("<img src=x onerror=alert(9)>",),
          papers=("hostile_probe",)),
)
# schwarz2023modalityagnostic is deliberately in no theme: it must still be reachable.


def annotations() -> dict[str, Annotation]:
    return {
        "sitzmann2020implicit": Annotation(
            "sitzmann2020implicit", ("periodic activation", "sine activation", "implicit neural representation"),
            methods_introduced=("SIREN",), summary="We propose periodic activation functions (SIREN)."),
        SL2A: Annotation(
            SL2A, ("learnable activation", "implicit neural representation", "spectral bias"),
            methods_introduced=("SL²A-INR",), methods_mentioned=("SIREN", "ReLU MLP"),
            datasets=("DIV2K",), summary="We propose SL²A-INR, a hybrid network with a learnable activation."),
        "peng2020convolutional": Annotation(
            "peng2020convolutional", ("occupancy network", "3D reconstruction"),
            methods_introduced=("Convolutional Occupancy Networks",), datasets=("ShapeNet",),
            summary="Convolutional encoders with implicit occupancy decoders."),
        HOSTILE: Annotation(
            HOSTILE, ("<img src=x onerror=alert(9)>", "[k](javascript:alert(8))"),
            methods_introduced=("<script>alert('m')</script>",), datasets=("{{ 7*7 }}",),
            summary="<script>alert('summary')</script> {% raw %}"),
    }


def bibliography() -> Bibliography:
    papers = tuple(load_corpus(FIXTURE).raise_on_errors())
    notes = annotations()
    theme_of = {key: t.slug for t in THEMES for key in t.papers}
    related = {
        SL2A: (Related("sitzmann2020implicit", 0.8, "shares methods: SIREN"),
               Related("mehrabian2024implicit", 0.7, "similar abstract")),
        "sitzmann2020implicit": (Related(SL2A, 0.8, "shares methods: SIREN"),),
        HOSTILE: (Related("sitzmann2020implicit", 0.1, "<script>alert('reason')</script> [r](javascript:1)"),),
    }
    methods = (
        MethodEntry("SIREN", "method", introduced_by=("sitzmann2020implicit",), mentioned_by=(SL2A,)),
        MethodEntry("SL²A-INR", "method", introduced_by=(SL2A,)),
        MethodEntry("ReLU MLP", "method", mentioned_by=(SL2A,)),
        MethodEntry("Convolutional Occupancy Networks", "method", introduced_by=("peng2020convolutional",)),
        MethodEntry("<script>alert('m')</script>", "method", introduced_by=(HOSTILE,)),
        MethodEntry("DIV2K", "dataset", mentioned_by=(SL2A,)),
        MethodEntry("ShapeNet", "dataset", mentioned_by=("peng2020convolutional",)),
        MethodEntry("{{ 7*7 }}", "dataset", mentioned_by=(HOSTILE,)),
    )
    keywords: dict[str, tuple[str, ...]] = {}
    for key, note in sorted(notes.items()):
        for phrase in note.keyphrases:
            keywords[phrase] = tuple(sorted(set(keywords.get(phrase, ())) | {key}))
    map_points = {p.key: ((i % 3) / 2, (i // 3) / 2) for i, p in enumerate(papers)}
    return with_people_venues_years(Bibliography(
        papers=papers, annotations=notes, themes=THEMES, theme_of=theme_of,
        related=related, methods=methods, keywords=keywords, map_points=map_points))
