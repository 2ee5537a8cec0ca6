"""What the words around a name say about it: a sentence about the past, a longer proper name
the name is only part of, a quotation, an archive article.

The matcher asks these questions before it rewrites or suggests anything that is not a plain
misspelling: a former name is right in a sentence about the past ("Leningrad was besieged for
872 days"), and a place name inside a person's or a street's name ("Valery Chkalov", "улица
Фрунзе") is not the place at all.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SENTENCE_STOP = re.compile(r"[.!?…]+[\"»”’)\]]*\s+(?=[\"«“(]?[^\s\w]*[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ0-9])|\n")

# Words that place a sentence in the past, or talk about a name as a name. Matched at the start
# of a word, lower case, so a stem covers its forms (переименован-а/-ы, besieg-ed).
_HISTORY_STEMS = {
    "en": """
        formerly former then-  renamed renaming rename was_called were_called was_known
        known_as used_to_be old_name previous_name earlier_name once_called then_called
        soviet ussr tsarist imperial siege besieg blockade wartime world_war great_patriotic
        history historic historian archive archival memoir museum century centuries decades_ago
        years_ago in_those_years at_the_time back_then founded born died birthplace native_of
        evacuat deport exile perestroika collectiv gulag
        """,
    "ru": """
        ранее прежде прежн бывш тогда тогдашн переименов назывался называлась называлось
        назывались называли именовался именовалась носил_название старое_название
        советск ссср царск имперск блокад осад войн воен истори архив мемуар музе век веке
        веков лет_назад в_то_время основан родился родилась уроженец уроженка уроженц умер
        скончал эвакуир депорт ссыл перестройк целин
        """,
    "kk": """
        бұрын бұрынғы бұрынырақ аталған аталды аталатын аталып қайта_атал кеңес кеңестік
        ксро тарих соғыс туған дүниеге_келген ғасыр мұрағат
        """,
}
# Words after which a capitalized place name is part of another name: a street, a ship, a
# school "named after" it (улица Фрунзе, имени Чкалова).
_RU_NAMING_HEADS = frozenset(
    """
    улица улице улицу улицей улицы ул проспект проспекте проспекта пр площадь площади переулок
    переулке бульвар бульваре шоссе набережная набережной имени им станция станции метро
    аэропорт аэропорта аэропорту завод завода заводе фабрика колхоз совхоз пароход теплоход
    ледокол корабль самолет самолёт театр театра университет университета институт института
    школа школы лицей гимназия стадион стадиона фонд фонда компания компании банк банка газета
    газеты журнал журнала премия премии орден ордена медаль район района улицы проезд тупик
    """.split()
)
# Kazakh puts the head after the name, with its own endings: Фрунзе көшесінде, Чкалов
# атындағы, Целиноград ауданының, Семипалатинск ядролық полигоны.
_KK_NAMING_STEMS = tuple(
    """
    көше даңғыл атында алаң аудан стадион университет институт мектеб полигон ядролық
    әуежай вокзал зауыт театр облыс гимназия колледж
    """.split()
)
# Lower-case English nouns that make a fixed expression of the name before them: the dish,
# the pipeline, the declaration are not the city.
_EN_COMPOUND_HEADS = frozenset(
    """
    incident incidents uprising revolt rebellion massacre riots events affair crisis battle
    siege war name
    duck opera man cabbage pipeline pipelines declaration declarations accord accords agreement
    agreements treaty process format protocol summit summits university dialect tea style
    street avenue square station region oblast province district airport stadium school
    institute academy theatre theater cinema hotel restaurant brand team club company factory
    plant mine railway line highway road bridge canal dam reservoir circuit prize award medal
    order cup trophy party movement group initiative
    """.split()
)
_QUOTE_PAIRS = {"«": "»", "“": "”", '"': '"', "„": "“"}
_YEAR = re.compile(r"(?<![\d.,])(1[0-9]\d\d|20\d\d)(?![\d.,]\d)")
_DECADE = re.compile(r"(?<!\d)(1[0-9]\d0|20[0-2]0)-?(?:s|х|-х|-е|-ые|жылдар)\b", re.IGNORECASE)
_CENTURY = re.compile(r"\b(\d{1,2}(?:st|nd|rd|th)|[XVI]+)[\s-]+(?:century|века|веке|век|ғасыр)",
                      re.IGNORECASE)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|"
    r"қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан"
)
_DATELINE = re.compile(
    rf"(?i:\b(?:\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+|(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+)"
    rf"((?:19|20)\d\d)\b)"
)


@lru_cache(maxsize=8)
def _cue_pattern(language: str) -> re.Pattern[str]:
    stems = _HISTORY_STEMS.get(language, "").split() + _HISTORY_STEMS["en"].split()
    parts = sorted({re.escape(s.replace("_", " ")).replace(r"\ ", r"\s+") for s in stems},
                   key=len, reverse=True)
    return re.compile(rf"(?<![\w-])(?:{'|'.join(parts)})", re.IGNORECASE)


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around text[start:end] (by full stops and line breaks)."""
    left = max(0, start - 600)
    begin = left
    # The search runs past `start`: the look-ahead for a capital must see the span's first
    # letter when a sentence ends right before it.
    for match in _SENTENCE_STOP.finditer(text, left, min(len(text), start + 4)):
        if match.end() > start:
            break
        begin = match.end()
    stop = _SENTENCE_STOP.search(text, end, min(len(text), end + 600))
    return begin, stop.start() if stop else min(len(text), end + 600)


def sentence_starts(text: str) -> list[int]:
    """Offsets where the sentences of a text begin (0 first), by the rule sentence_span uses."""
    return [0, *(m.end() for m in _SENTENCE_STOP.finditer(text))]


def historical_cue(text: str, start: int, end: int, until: int | None, language: str) -> str | None:
    """Why the sentence around a former name is about the past, or None.

    A year up to the last year the name was used, a decade or a century, or a word such as
    "formerly", "renamed", "siege", "советский" anywhere in the sentence.
    """
    begin, stop = sentence_span(text, start, end)
    # The name itself is no cue (Целиноград holds "целин"), so it is blanked out.
    sentence = text[begin:start] + " " * (end - start) + text[end:stop]
    if until is not None:
        for match in _YEAR.finditer(sentence):
            year = int(match.group(1))
            if year <= until:
                return f"the sentence is about {year}, when the name was still in use"
    if _DECADE.search(sentence) or _CENTURY.search(sentence):
        return "the sentence is about an earlier decade or century"
    cue = _cue_pattern(language).search(sentence)
    if cue:
        return f"the sentence is about the past ({cue.group().strip()!r})"
    return None


def article_year(text: str) -> int | None:
    """The year of the article's dateline ("Astana, 28 March 2023"), from its first lines."""
    match = _DATELINE.search(text, 0, min(len(text), 300))
    return int(match.group(1)) if match else None


def in_quotation(text: str, start: int, end: int) -> bool:
    """Whether the span sits inside quotation marks within its sentence."""
    begin, stop = sentence_span(text, start, end)
    for opening, closing in _QUOTE_PAIRS.items():
        left = text.rfind(opening, begin, start)
        if left == -1:
            continue
        if opening == closing and text.count(opening, begin, start) % 2 == 0:
            continue  # "..." before the name is a closed pair
        right = text.find(closing, end, stop + 1)
        if right != -1:
            return True
    return False


_CAPITALIZED_WORD = re.compile(r"[^\W\d_][\w'’]*")


def naming_context(text: str, start: int, end: int, language: str) -> str | None:
    """Why the name at text[start:end] is part of something else's name, or None.

    Joined by a hyphen to a word ("Interfax-Kazakhstan"); after a street or "named after" word
    in Russian; before one in Kazakh; before an English noun that makes a fixed expression
    ("Peking duck", "Druzhba pipeline").
    """
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    joined_before = before[-1:] in "-‑" and before[:1].isalnum()
    if joined_before or (after[:1] in "-‑" and after[1:2].isalnum()):
        return "joined by a hyphen to another word"
    previous = _word_before(text, start)
    following = _word_after(text, end)
    if language == "ru" and previous and previous.lower().rstrip(".") in _RU_NAMING_HEADS:
        return f"part of a longer name ('{previous} ...')"
    if language == "kk" and following and following.lower().startswith(_KK_NAMING_STEMS):
        return f"part of a longer name ('... {following}')"
    if language == "en" and following and following.lower() in _EN_COMPOUND_HEADS:
        return f"part of a longer expression ('... {following}')"
    return None


def _word_before(text: str, start: int) -> str | None:
    piece = text[max(0, start - 40) : start]
    if not piece or not piece[-1:].isspace() or any(ch in piece.rstrip()[-1:] for ch in ",;:.!?"):
        return None
    words = _CAPITALIZED_WORD.findall(piece)
    return words[-1] if words else None


def _word_after(text: str, end: int) -> str | None:
    piece = text[end : end + 40]
    if not piece[:1].isspace():
        return None
    match = _CAPITALIZED_WORD.match(piece.lstrip())
    return match.group() if match and piece.lstrip()[:1] not in ",;:.!?" else None


# Past-tense verbs, without the reporting ones ("said", "заявил"): news is told in the past,
# but "officials in Nur-Sultan said" is about today; "Dostoevsky served in Semipalatinsk" is not.
_PAST = {
    "en": re.compile(
        r"\b(?:was|were|had|did|used to|\w{2,}ed|became|began|built|came|fell|flew|gave|grew|"
        r"held|kept|knew|left|lost|made|ran|rose|sent|stood|took|went|won|wrote|brought|"
        r"bought|fought|taught|caught|led|lay|sat|spent|struck|hung|saw|met)\b",
        re.IGNORECASE,
    ),
    "ru": re.compile(r"(?<![\w-])(?:был|была|было|были|\w{2,}(?:ла|ло|ли|лся|лась|лось|лись)"
                     r"|\w{3,}л)(?![\w-])", re.IGNORECASE),
    # Kazakh past: a consonant before -ды/-ді/-ты/-ті (келді, барды); with a vowel or й before
    # it the verb is present (келеді, қатынайды). Participles in -ған/-ген/-қан/-кен.
    "kk": re.compile(r"(?<![\w-])\w*[^\Wаәеиоөұүыіэюяуй\d_](?:ды|ді|ты|ті)(?![\w-])"
                     r"|(?<![\w-])\w{2,}(?:ған|ген|қан|кен)(?![\w-])", re.IGNORECASE),
}
_REPORTING = frozenset(
    """
    said stated added noted told announced reported confirmed explained stressed emphasised
    emphasized reiterated replied answered asked claimed warned urged insisted quoted cited
    concluded expressed highlighted pointed underlined welcomed praised agreed
    сказал сказала сказали заявил заявила заявили сообщил сообщила сообщили отметил отметила
    отметили подчеркнул подчеркнула подчеркнули добавил добавила добавили пояснил пояснила
    уточнил уточнила рассказал рассказала передал передала напомнил напомнила
    деді айтты мәлімдеді хабарлады атап өтті жеткізді
    """.split()
)
_ED_NOT_VERBS = frozenset(
    "need based called named planned scheduled expected proposed advanced united red bed "
    "hundred speed seed feed indeed breed shed "
    "канал сигнал персонал материал капитал потенциал финал журнал генерал идеал интервал "
    "арсенал квартал пенал минерал карнавал ритуал".split()
)


def past_tense(
    text: str, start: int, end: int, language: str, is_past_verb=None
) -> str | None:
    """A past-tense verb in the sentence around the span that is not a reporting verb.

    `is_past_verb(word, language)` (a morphological analyser) decides where it can; the
    patterns above are the fallback.
    """
    pattern = _PAST.get(language)
    if pattern is None:
        return None
    begin, stop = sentence_span(text, start, end)
    if is_past_verb is not None and language == "ru":
        for match in _RU_WORD.finditer(text, begin, stop):
            if start <= match.start() < end or match.group()[:1].isupper():
                continue
            word = match.group().lower()
            verdict = is_past_verb(word, language)
            if verdict is None:
                break  # no analyser after all: fall back to the patterns
            if verdict and word not in _REPORTING:
                return match.group()
        else:
            return None
    for match in pattern.finditer(text, begin, stop):
        if start <= match.start() < end or match.group()[:1].isupper():
            continue  # capitalized: a name (Қарағанды ends like a verb), not a verb
        word = match.group().lower()
        if word in _REPORTING or word in _ED_NOT_VERBS:
            continue
        return match.group()
    return None


_RU_WORD = re.compile(r"[а-яёА-ЯЁ]+")
