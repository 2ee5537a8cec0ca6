from service.core.hygiene import find_copy_issues


def test_repeated_line_and_promo_line_are_flagged_not_removed():
    text = (
        "Talks went well.\n\nAlso Read: Wheat prices fall\n\n"
        "The minister also met the governor of the region.\n"
        "The minister also met the governor of the region.\n\n"
        "Читайте также: Новости дня"
    )
    flags = find_copy_issues(text)
    kinds = [(f.kind, f.text) for f in flags]
    assert kinds == [
        ("promo_line", "Also Read: Wheat prices fall"),
        ("duplicate_paragraph", "The minister also met the governor of the region."),
        ("promo_line", "Читайте также: Новости дня"),
    ]
    for flag in flags:
        assert text[flag.start : flag.end] == flag.text


def test_short_repeated_lines_are_not_duplicates():
    assert find_copy_issues("Yes.\nYes.\n") == []
