"""WhatsApp's limits, each at its boundary: the boundary value renders, one unit or item past it raises.

Lengths are counted in UTF-16 code units (see `bot.rendering`); shapes are tested in `test_rendering.py`.
"""

import pytest

from bot.rendering import ReplyLimitError, render
from flows.types import Button, ButtonsReply, ListReply, ListRow, ListSection, TemplateReply, TextReply

WA_ID = "263771234567"


def buttons(*titles: str) -> tuple[Button, ...]:
    return tuple(Button(id=f"b{i}", title=title) for i, title in enumerate(titles))


def rows(count: int, prefix: str = "r") -> tuple[ListRow, ...]:
    return tuple(ListRow(id=f"{prefix}{i}", title=f"Row {i}") for i in range(count))


def a_list(*sections: ListSection, body: str = "Pick one", button: str = "Menu") -> ListReply:
    return ListReply(body=body, button=button, sections=sections)


# --- each length limit: the boundary passes, one unit more (or less) raises -------------------------------


def one_row(**fields: str) -> ListReply:
    row = {"id": "r", "title": "Row", **fields}
    return a_list(ListSection(title="", rows=(ListRow(**row),)))


LENGTH_LIMITS = {
    # name: (builder taking a length, lowest allowed, highest allowed)
    "text body": (lambda n: TextReply(body="a" * n), 1, 4096),
    "button body": (lambda n: ButtonsReply(body="a" * n, buttons=buttons("OK")), 1, 1024),
    "list body": (lambda n: a_list(ListSection(title="", rows=rows(1)), body="a" * n), 1, 1024),
    "button header": (lambda n: ButtonsReply(body="x", header="h" * n, buttons=buttons("OK")), 0, 60),
    "button footer": (lambda n: ButtonsReply(body="x", footer="f" * n, buttons=buttons("OK")), 0, 60),
    "list header": (
        lambda n: ListReply(
            body="x", button="M", header="h" * n, sections=(ListSection(title="", rows=rows(1)),)
        ),
        0,
        60,
    ),
    "list footer": (
        lambda n: ListReply(
            body="x", button="M", footer="f" * n, sections=(ListSection(title="", rows=rows(1)),)
        ),
        0,
        60,
    ),
    "button title": (lambda n: ButtonsReply(body="x", buttons=buttons("t" * n)), 1, 20),
    "button id": (lambda n: ButtonsReply(body="x", buttons=(Button(id="i" * n, title="OK"),)), 1, 256),
    "list button label": (lambda n: a_list(ListSection(title="", rows=rows(1)), button="b" * n), 1, 20),
    "section title (two sections)": (
        lambda n: a_list(
            ListSection(title="s" * n, rows=rows(1, "a")), ListSection(title="B", rows=rows(1, "b"))
        ),
        1,
        24,
    ),
    "single section title": (lambda n: a_list(ListSection(title="s" * n, rows=rows(1))), 0, 24),
    "row id": (lambda n: one_row(id="i" * n), 1, 200),
    "row title": (lambda n: one_row(title="t" * n), 1, 24),
    "row description": (lambda n: one_row(description="d" * n), 0, 72),
    "template name": (lambda n: TemplateReply(name="n" * n), 1, 512),
    "template body param": (lambda n: TemplateReply(name="t", body_params=("p" * n,)), 1, 1024),
    "template quick reply payload": (
        lambda n: TemplateReply(name="t", quick_reply_payloads=("q" * n,)),
        1,
        256,
    ),
}


@pytest.mark.parametrize("name", LENGTH_LIMITS)
def test_length_limit_boundaries(name):
    build, lowest, highest = LENGTH_LIMITS[name]
    render(build(highest), to=WA_ID)
    render(build(lowest), to=WA_ID)
    with pytest.raises(ReplyLimitError):
        render(build(highest + 1), to=WA_ID)
    if lowest > 0:
        with pytest.raises(ReplyLimitError):
            render(build(lowest - 1), to=WA_ID)


# --- counts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (3, True), (4, False)])
def test_one_to_three_buttons(count, ok):
    reply = ButtonsReply(body="x", buttons=buttons(*(f"B{i}" for i in range(count))))
    if ok:
        assert len(render(reply, to=WA_ID)["interactive"]["action"]["buttons"]) == count
    else:
        with pytest.raises(ReplyLimitError, match="buttons"):
            render(reply, to=WA_ID)


def test_ten_rows_across_two_sections_pass_and_eleven_fail():
    ten = a_list(ListSection(title="A", rows=rows(5, "a")), ListSection(title="B", rows=rows(5, "b")))
    rendered = render(ten, to=WA_ID)["interactive"]["action"]["sections"]
    assert sum(len(section["rows"]) for section in rendered) == 10
    eleven = a_list(ListSection(title="A", rows=rows(6, "a")), ListSection(title="B", rows=rows(5, "b")))
    with pytest.raises(ReplyLimitError, match="rows"):
        render(eleven, to=WA_ID)


def test_eleven_rows_in_one_section_fail():
    with pytest.raises(ReplyLimitError, match="rows"):
        render(a_list(ListSection(title="", rows=rows(11))), to=WA_ID)


def test_ten_sections_pass_and_eleven_fail():
    def sections(count):
        return tuple(ListSection(title=f"S{i}", rows=(ListRow(id=f"r{i}", title="R"),)) for i in range(count))

    render(a_list(*sections(10)), to=WA_ID)
    with pytest.raises(ReplyLimitError, match="sections"):
        render(a_list(*sections(11)), to=WA_ID)


def test_list_needs_a_section_and_every_section_a_row():
    with pytest.raises(ReplyLimitError, match="sections"):
        render(a_list(), to=WA_ID)
    with pytest.raises(ReplyLimitError, match=r"sections\[1\].rows"):
        render(a_list(ListSection(title="A", rows=rows(1)), ListSection(title="B", rows=())), to=WA_ID)


def test_ten_template_quick_replies_pass_and_eleven_fail():
    render(TemplateReply(name="t", quick_reply_payloads=tuple(f"q{i}" for i in range(10))), to=WA_ID)
    with pytest.raises(ReplyLimitError, match="quick_replies"):
        render(TemplateReply(name="t", quick_reply_payloads=tuple(f"q{i}" for i in range(11))), to=WA_ID)


# --- uniqueness and content rules -------------------------------------------------------------------------


def test_button_titles_must_be_unique():
    reply = ButtonsReply(body="x", buttons=(Button(id="a", title="Back"), Button(id="b", title="Back")))
    with pytest.raises(ReplyLimitError, match=r"buttons.title"):
        render(reply, to=WA_ID)


def test_button_ids_must_be_unique():
    reply = ButtonsReply(body="x", buttons=(Button(id="same", title="Yes"), Button(id="same", title="No")))
    with pytest.raises(ReplyLimitError, match=r"buttons.id"):
        render(reply, to=WA_ID)


def test_row_ids_must_be_unique_across_sections():
    reply = a_list(ListSection(title="A", rows=rows(2, "x")), ListSection(title="B", rows=rows(1, "x")))
    with pytest.raises(ReplyLimitError, match=r"rows.id"):
        render(reply, to=WA_ID)


def test_several_sections_each_need_a_title():
    reply = a_list(ListSection(title="A", rows=rows(1, "a")), ListSection(title="", rows=rows(1, "b")))
    with pytest.raises(ReplyLimitError, match=r"sections\[1\].title"):
        render(reply, to=WA_ID)


@pytest.mark.parametrize("blank", [" ", "\n\t "])
def test_blank_required_text_is_refused(blank):
    with pytest.raises(ReplyLimitError, match="blank"):
        render(TextReply(body=blank), to=WA_ID)
    with pytest.raises(ReplyLimitError, match="blank"):
        render(ButtonsReply(body="x", buttons=buttons(blank)), to=WA_ID)


@pytest.mark.parametrize("param", ["two\nlines", "tab\there", "five     spaces"])
def test_template_params_meta_rejects_are_refused(param):
    with pytest.raises(ReplyLimitError, match="body_params"):
        render(TemplateReply(name="t", body_params=(param,)), to=WA_ID)


def test_template_param_with_four_spaces_passes():
    render(TemplateReply(name="t", body_params=("four    spaces",)), to=WA_ID)


@pytest.mark.parametrize("name", ["Incoming", "incoming-notification", "with space"])
def test_template_name_must_be_lowercase_snake(name):
    with pytest.raises(ReplyLimitError, match=r"template\.name"):
        render(TemplateReply(name=name), to=WA_ID)
