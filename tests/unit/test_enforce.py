"""Names and figures through a translation engine: protect, check, recover, restore.

The engines here are small fakes with known behaviour (one that drops a placeholder, one that
fails), so each recovery path is exercised on purpose; real engines have their own tests.
"""

import pytest

from service.core.markup import markup_spans
from service.core.translate.base import PLACEHOLDER, EngineError, EngineInfo
from service.core.translate.enforce import Protected, html_markup, translate_protected
from service.core.translate.segment import split_sentences


class Shouting:
    """Translates by upper-casing; can be told to lose or double a placeholder, or fail."""

    name = "shouting"

    def __init__(self, lose=None, double=None, fail_on=None):
        self.lose, self.double, self.fail_on = lose, double, fail_on
        self.calls = []

    def pairs(self):
        return frozenset({("en", "es")})

    def translate(self, segments, source, target):
        self.calls.append(list(segments))
        if self.fail_on and any(self.fail_on in s for s in segments):
            raise EngineError(self.name, "boom", transient=True)
        out = []
        for segment in segments:
            text = segment.upper()
            if self.lose:
                text = text.replace(self.lose, "")
            if self.double:
                text = text.replace(self.double, self.double + " " + self.double)
            out.append(text)
        return out

    def info(self):
        return EngineInfo(self.name, "ready")

    def close(self):
        pass


TEXT = "Tokayev met Ma Xingrui on 28 March 2023.\n\nTrade hit $24 billion. It rose 34%."


def spans_for(text):
    def at(piece, target, kind="name"):
        start = text.index(piece)
        return Protected(start, start + len(piece), target, f"{kind} {piece!r}", kind)

    return [
        at("Tokayev", "Tokayev"),
        at("Ma Xingrui", "Ma Xingrui"),
        at("28 March 2023", "28 de marzo de 2023", "figure"),
        at("$24 billion", "24 000 millones de dólares", "figure"),
        at("34%", "34 %", "figure"),
    ]


def test_targets_replace_placeholders_and_paragraphs_are_kept():
    outcome = translate_protected(TEXT, spans_for(TEXT), Shouting(), "en", "es")
    assert outcome.text == (
        "Tokayev MET Ma Xingrui ON 28 de marzo de 2023.\n\n"
        "TRADE HIT 24 000 millones de dólares. IT ROSE 34 %."
    )
    assert outcome.warnings == [] and outcome.recovered == 0
    assert outcome.sentences == 3


def test_engine_never_sees_the_protected_text():
    engine = Shouting()
    translate_protected(TEXT, spans_for(TEXT), engine, "en", "es")
    sent = " ".join(s for call in engine.calls for s in call)
    assert "Xingrui" not in sent and "billion" not in sent
    assert len(PLACEHOLDER.findall(sent)) == 5


@pytest.mark.parametrize("engine", [Shouting(lose="⟦2⟧"), Shouting(double="⟦2⟧")])
def test_dropped_or_doubled_placeholder_is_recovered_and_named(engine):
    outcome = translate_protected(TEXT, spans_for(TEXT), engine, "en", "es")
    assert outcome.text.startswith("Tokayev MET Ma Xingrui ON 28 de marzo de 2023.")
    assert outcome.text.count("Ma Xingrui") == 1
    assert outcome.recovered == 1
    assert any("name 'Ma Xingrui'" in w for w in outcome.warnings)


def test_engine_failure_leaves_text_untranslated_with_a_warning():
    outcome = translate_protected(TEXT, spans_for(TEXT), Shouting(fail_on="Trade"),
                                  "en", "es")
    assert outcome.untranslated == 3
    assert "boom" in outcome.warnings[0]


def test_no_placeholder_residue_even_when_the_engine_invents_one():
    class Inventor(Shouting):
        def translate(self, segments, source, target):
            return [s + " ⟦99⟧" for s in segments]

    outcome = translate_protected(TEXT, spans_for(TEXT), Inventor(), "en", "es")
    assert "⟦" not in outcome.text and "⟧" not in outcome.text
    assert outcome.text.count("28 de marzo de 2023") == 1


def test_html_markup_kept_and_translate_no_honoured():
    html = (
        '<p>President <b>Tokayev</b> met <span translate="no">Ma &amp; Co</span> in '
        "Astana &amp; Almaty.</p>\n<p>Prices <i>rose</i>. Mr. Smith said so.</p>"
    )
    start = html.index("Tokayev")
    spans = [*html_markup(html), Protected(start, start + 7, "Токаев", "name 'Tokayev'")]
    outcome = translate_protected(html, spans, Shouting(), "en", "es", html=True)
    assert outcome.text == (
        '<p>PRESIDENT <b>Токаев</b> MET <span translate="no">Ma &amp; Co</span> IN '
        "ASTANA &amp; ALMATY.</p>\n<p>PRICES <i>ROSE</i>. MR. SMITH SAID SO.</p>"
    )


def test_a_name_inside_translate_no_stays_as_written():
    html = '<p>We met <span translate="no">Tokayev</span> today.</p>'
    start = html.index("Tokayev")
    spans = [*html_markup(html), Protected(start, start + 7, "Токаев", "name 'Tokayev'")]
    outcome = translate_protected(html, spans, Shouting(), "en", "es", html=True)
    assert '<span translate="no">Tokayev</span>' in outcome.text


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("Mr. Smith met Dr. Li. Then left.", ["Mr. Smith met Dr. Li.", "Then left."]),
        ("U.S. officials met ⟦1⟧. ⟦2⟧ agreed.", ["U.S. officials met ⟦1⟧.", "⟦2⟧ agreed."]),
        ("It rose 1.5 percent. Done.", ["It rose 1.5 percent.", "Done."]),
        ("Он сказал: «Да». Потом ушёл.", ["Он сказал: «Да».", "Потом ушёл."]),
    ],
)
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_markup_spans_cover_nested_translate_no_and_scripts():
    html = '<div translate="no"><div>x</div> y</div><p>z</p><script>if (a<b) {}</script>'
    spans = [html[s.start : s.end] for s in markup_spans(html)]
    assert spans[0] == '<div translate="no"><div>x</div> y</div>'
    assert spans[-1] == "<script>if (a<b) {}</script>"
