"""The HTML page: order header, order sheet, month-grid calendar, escaping, determinism."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from dosing import Patient, build_schedule, get_protocol
from dosing.errors import DosingError
from dosing.export._common import COLUMNS, header, rows
from dosing.export.html import escape, to_html
from dosing.schedule import VERIFICATION_NOTICE, Schedule
from tests.test_table import FRIDAY_DATES

GENERATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TODAY = dt.date(2026, 1, 1)
HOSTILE = "<script>alert(1)</script>&\"'"


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def words(self) -> str:
        return " ".join(self.text().split())

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (cls is None or cls in child.classes):
                    found.append(child)
                found.extend(child.find_all(tag, cls))
        return found


class TreeBuilder(HTMLParser):
    """A small DOM over the standard library parser; fails on unbalanced tags."""

    VOID = frozenset({"meta", "br", "img", "link", "input", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]
        self.all_tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.all_tags.append((tag, node.attrs))
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder


def make(protocol: str = "KRd", cycles: int = 2, identifier: str | None = "MRN 0001") -> Schedule:
    patient = Patient(height="175 cm", weight="80 kg", identifier=identifier)
    return build_schedule(get_protocol(protocol), patient, "2026-01-05", cycles=cycles, today=TODAY)


@pytest.fixture(scope="module")
def krd() -> Schedule:
    return make()


@pytest.fixture(scope="module")
def krd_page(krd: Schedule) -> str:
    return to_html(krd, generated_at=GENERATED)


@pytest.fixture(scope="module")
def krd_tree(krd_page: str) -> TreeBuilder:
    return parse(krd_page)


def test_document_is_html5_utf8_english_with_title(krd_page: str, krd_tree: TreeBuilder) -> None:
    """The page is an HTML5 document in English with a UTF-8 charset and a title."""
    assert krd_page.startswith("<!DOCTYPE html>\n")
    html_tag = krd_tree.root.find_all("html")
    assert len(html_tag) == 1
    assert html_tag[0].attrs["lang"] == "en"
    assert ("meta", {"charset": "utf-8"}) in krd_tree.all_tags
    titles = krd_tree.root.find_all("title")
    assert [t.text() for t in titles] == ["KRd dosing calendar - MRN 0001"]


def test_notice_is_first_thing_in_the_body(krd_tree: TreeBuilder) -> None:
    """The verification notice is the first content of the body, in a note box."""
    body = krd_tree.root.find_all("body")[0]
    notice = body.find_all("div", "notice")[0]
    assert VERIFICATION_NOTICE in notice.words()
    assert notice.attrs["role"] == "note"
    assert body.words().startswith("! Verify before use. " + VERIFICATION_NOTICE)


def test_every_header_field_is_shown(krd: Schedule, krd_tree: TreeBuilder) -> None:
    """Every (label, text) of the order header appears as a term and its description."""
    fields = [
        (f.find_all("dt")[0].text(), f.find_all("dd")[0].text())
        for f in krd_tree.root.find_all("div", "field")
    ]
    expected = list(header(krd, generated_at=GENERATED).fields)
    assert fields == expected
    labels = [label for label, _ in fields]
    for label in (
        "patient identifier",
        "height",
        "weight",
        "BSA",
        "protocol",
        "choices",
        "cycles",
        "generated",
        "sources",
    ):
        assert label in labels
    assert dict(fields)["generated"] == "2026-01-01T00:00:00Z"
    assert "(default)" in dict(fields)["choices"]


def test_schedule_and_protocol_notes_are_listed(krd: Schedule, krd_tree: TreeBuilder) -> None:
    """The schedule notes (BSA, rounding, defaults), the premedication to order, the drug notes
    and every protocol note are list items."""
    head = header(krd, generated_at=GENERATED)

    def items(css: str) -> list[str]:
        return [li.text() for li in krd_tree.root.find_all("ul", css)[0].find_all("li")]

    assert items("schedule-notes") == list(head.notes)
    assert items("premedication") == list(head.premedication)
    assert items("drug-notes") == list(head.drug_notes)
    assert items("protocol-notes") == list(head.protocol_notes)
    assert any(n.startswith("rounding") for n in items("schedule-notes"))
    assert items("premedication")[0].startswith(
        "2026-01-06 C1 D2: carfilzomib needs a corticosteroid"
    )


def _order_rows(tree: TreeBuilder) -> list[Node]:
    return [tr for t in tree.root.find_all("table", "order") for tr in t.find_all("tr", "admin")]


def test_every_administration_is_on_the_order_sheet_once(
    krd: Schedule, krd_tree: TreeBuilder
) -> None:
    """Each administration is one row whose cells follow COLUMNS, or one date of a run row."""
    tables = krd_tree.root.find_all("table", "order")
    header_cells = [th.text() for th in tables[0].find_all("thead")[0].find_all("th")]
    assert tuple(header_cells) == COLUMNS
    shown = _order_rows(krd_tree)
    listed = [(d, tr) for tr in shown for d in tr.attrs["data-dates"].split()]
    assert sum(int(tr.attrs["data-doses"]) for tr in shown) == len(krd.administrations)
    expected = rows(krd)
    assert sorted(d for d, _ in listed) == sorted(r.date for r in expected)
    singles = [tr for tr in shown if tr.attrs["data-doses"] == "1"]
    for tr in singles:
        row = next(
            r
            for r in expected
            if r.date == tr.attrs["data-dates"] and r.drug == tr.find_all("td")[4].text()
        )
        cells = [td.words() for td in tr.find_all("td")]
        want = [" ".join(c.split()) for c in row.cells()]
        dose, calculated = COLUMNS.index("dose"), COLUMNS.index("calculated")
        for i in (dose, calculated):  # the page writes 1,280 where the data column has 1280
            cells[i] = cells[i].replace(",", "")
        assert cells[:-1] == want[:-1]


def test_a_run_of_daily_capsules_is_one_row_naming_every_date(krd_tree: TreeBuilder) -> None:
    """KRd lenalidomide 25 mg on days 1-21 of cycle 1 is one row: 2026-01-05 to 2026-01-25,
    21 doses daily, its weekend days named, every date listed in the row's data."""
    run = next(
        tr
        for tr in _order_rows(krd_tree)
        if "run" in tr.classes and tr.find_all("td", "col-cycle")[0].text() == "1"
    )
    cells = {td.attrs["class"][4:]: td.words() for td in run.find_all("td")}
    assert cells["date"] == "2026-01-05 to 2026-01-25"
    assert cells["weekday"] == "Mon to Sun"
    assert cells["day"] == "1-21"
    assert cells["drug"] == "lenalidomide"
    assert cells["dose"] == "25"
    assert cells["route"] == "PO"
    assert cells["reason"].startswith("21 doses, daily weekend D6 Sat, D7 Sun, D13 Sat")
    assert run.attrs["data-doses"] == "21"
    assert run.attrs["data-dates"].split() == [f"2026-01-{d:02d}" for d in range(5, 26)]


def test_c1d8_carfilzomib_row_reads_as_worked_by_hand(krd_tree: TreeBuilder) -> None:
    """C1 D8 carfilzomib for 175 cm / 80 kg is 56 mg/m² × 1.972 m² = 110.4 mg IV, unmarked."""
    row = next(
        [td.words() for td in tr.find_all("td")]
        for tr in krd_tree.root.find_all("tr", "admin")
        if tr.find_all("td")[0].text() == "2026-01-12" and "carfilzomib" in tr.words()
    )
    assert row == [
        "2026-01-12", "Mon", "1", "8", "carfilzomib", "110.4", "mg", "IV",
        "56 mg/m² × 1.972 m² (Mosteller)", "110.4335", "",
    ]  # fmt: skip


def test_order_sheet_has_one_table_per_cycle(krd: Schedule, krd_tree: TreeBuilder) -> None:
    """The order sheet is split into one table per cycle holding only that cycle's rows."""
    tables = krd_tree.root.find_all("table", "order")
    assert [t.attrs["data-cycle"] for t in tables] == ["1", "2"]
    for table in tables:
        cycles = {tr.find_all("td", "col-cycle")[0].text() for tr in table.find_all("tr", "admin")}
        assert cycles == {table.attrs["data-cycle"]}


def test_step_up_doses_are_marked_in_words(krd: Schedule, krd_tree: TreeBuilder) -> None:
    """A step-up dose row is marked modified and carries a 'step-up' flag first; a day that
    needs premedication is flagged 'premedication'; plain rows carry no flag."""
    shown = [tr for tr in _order_rows(krd_tree) if tr.attrs["data-doses"] == "1"]
    singles = [
        a for a in krd.administrations if not (a.drug == "lenalidomide" and a.cycle in (1, 2))
    ]
    seen = set()
    for tr, admin in zip(shown, singles, strict=True):
        assert tr.attrs["data-dates"] == admin.date.isoformat()
        flags = [s.text() for s in tr.find_all("span", "flag")]
        expected = (["step-up"] if admin.step is not None else []) + (
            ["premedication"]
            if admin.label in {"C1 D2", "C1 D9", "C1 D16"} and admin.drug == "carfilzomib"
            else []
        )
        assert flags == expected
        assert ("modified" in tr.classes) == bool(expected)
        seen.update(flags)
    assert seen == {"step-up", "premedication"}


def test_capped_dose_is_marked_capped() -> None:
    """A carfilzomib dose limited by the 2.2 m² BSA cap is flagged 'capped' in both views."""
    big = build_schedule(
        get_protocol("KRd"),
        Patient(height="200 cm", weight="130 kg"),
        "2026-01-05",
        cycles=1,
        today=TODAY,
    )
    tree = parse(to_html(big, generated_at=GENERATED))
    capped_rows = [
        tr
        for tr in tree.root.find_all("tr", "admin")
        if "capped" in [s.text() for s in tr.find_all("span", "flag")]
    ]
    assert capped_rows
    assert all("carfilzomib" in tr.words() for tr in capped_rows)
    cal_flags = [s.text() for li in tree.root.find_all("li", "rx") for s in li.find_all("span")]
    assert "capped" in cal_flags


def test_totals_per_cycle_and_cumulative(krd: Schedule, krd_tree: TreeBuilder) -> None:
    """Each cycle's dispensing table gives every drug's total and cumulative mg."""
    tables = krd_tree.root.find_all("table", "dispense")
    assert [t.attrs["data-cycle"] for t in tables] == ["1", "2"]
    second = {
        tr.find_all("th")[0].text(): (
            tr.find_all("td", "total")[0].text(),
            tr.find_all("td", "cumulative")[0].text(),
        )
        for tr in tables[1].find_all("tr", "dispense-row")
        if tr.find_all("td", "total")
    }
    assert second["lenalidomide"] == ("525 mg (21 doses)", "1,050 mg")
    assert second["carfilzomib"] == ("662.4 mg (6 doses)", "1,182.8 mg")  # 6 × 110.4; + 520.4
    assert set(second) == {d.name for d in krd.protocol.drugs}


def test_month_grid_for_every_month_spanned(krd_tree: TreeBuilder) -> None:
    """KRd, 2 cycles from 2026-01-05, ends 2026-03-01: grids for January, February and March."""
    months = krd_tree.root.find_all("table", "month")
    assert [m.attrs["data-month"] for m in months] == ["2026-01", "2026-02", "2026-03"]
    assert [m.find_all("caption")[0].text() for m in months] == [
        "January 2026",
        "February 2026",
        "March 2026",
    ]


def test_month_grid_weeks_run_monday_to_sunday(krd_tree: TreeBuilder) -> None:
    """Each grid has Mon-Sun columns, full weeks, and days of other months greyed."""
    january = krd_tree.root.find_all("table", "month")[0]
    assert [th.text() for th in january.find_all("th")] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    weeks = january.find_all("tbody")[0].find_all("tr")
    assert all(len(w.find_all("td")) == 7 for w in weeks)
    first_week = [td.find_all("span", "num")[0].text() for td in weeks[0].find_all("td")]
    assert first_week == ["29", "30", "31", "1", "2", "3", "4"]
    outside = [td for td in weeks[0].find_all("td") if "outside" in td.classes]
    assert len(outside) == 3
    assert all(not td.find_all("li") for td in outside)


def test_calendar_shows_every_dose_on_its_day(krd: Schedule, krd_tree: TreeBuilder) -> None:
    """Every administration appears once in the calendar as 'drug dose route' under its label."""
    cells = [
        td for m in krd_tree.root.find_all("table", "month") for td in m.find_all("td", "treat")
    ]
    entries = []
    for td in cells:
        label = td.find_all("span", "day-label")[0].text()
        entries += [
            (
                label,
                li.find_all("span", "rx-drug")[0].text()
                + " "
                + li.find_all("span", "rx-dose")[0].text()
                + " "
                + li.find_all("span", "rx-route")[0].text(),
            )
            for li in td.find_all("li", "rx")
        ]
    expected = [(a.label, f"{a.drug} {a.dose.text} {a.route}") for a in krd.administrations]
    assert entries == expected
    assert ("C1 D8", "carfilzomib 110.4 mg IV") in entries


def test_cycle_starts_are_labelled(krd_tree: TreeBuilder) -> None:
    """The first day of each cycle says 'Cycle N starts' on its calendar day."""
    starts = []
    for month in krd_tree.root.find_all("table", "month"):
        for td in month.find_all("td", "starts"):
            starts.append(
                (
                    month.attrs["data-month"],
                    td.find_all("span", "num")[0].text(),
                    td.find_all("span", "cycle-start")[0].text(),
                )
            )
    assert starts == [("2026-01", "5", "Cycle 1 starts"), ("2026-02", "2", "Cycle 2 starts")]


def test_legend_names_every_drug_and_route(krd: Schedule, krd_tree: TreeBuilder) -> None:
    """The calendar legend names each drug in words and explains each route."""
    legend = krd_tree.root.find_all("div", "legend")[0]
    drugs = [li.find_all("span", "rx-drug")[0].text() for li in legend.find_all("li", "rx")]
    assert drugs == [d.name for d in krd.protocol.drugs]
    assert "PO by mouth" in legend.words()
    assert "Cycle 2 starts first day of a cycle" in legend.words()


def test_hostile_identifier_appears_only_escaped() -> None:
    """An identifier with markup, quotes and ampersands is escaped everywhere and runs nothing."""
    page = to_html(make(identifier=HOSTILE + "\x07"), generated_at=GENERATED)
    assert "<script" not in page.lower()
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#x27;\ufffd" in page
    assert "\x07" not in page
    tree = parse(page)
    assert all(tag != "script" for tag, _ in tree.all_tags)
    fields = {
        f.find_all("dt")[0].text(): f.find_all("dd")[0].text()
        for f in tree.root.find_all("div", "field")
    }
    assert fields["patient identifier"] == HOSTILE + "\ufffd"


def test_escape_replaces_controls_and_unencodable_characters() -> None:
    """escape() replaces C0/C1 controls, non-characters and lone surrogates, keeping newlines."""
    text = escape("a\x00b\x1bc\x85d\ufffee\ud800f\ng\th")
    assert text == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ng\th"
    text.encode("utf-8")


def test_no_scripts_or_external_resources(krd_page: str, krd_tree: TreeBuilder) -> None:
    """The page has no script, no link or image elements and no http(s) or protocol-relative URLs."""
    tags = {tag for tag, _ in krd_tree.all_tags}
    assert tags.isdisjoint({"script", "link", "img", "iframe", "object", "embed"})
    lowered = krd_page.lower()
    assert "http:" not in lowered
    assert "https:" not in lowered
    assert "url(" not in lowered
    assert "@import" not in lowered
    for _, attrs in krd_tree.all_tags:
        for name in ("href", "src"):
            if name in attrs:
                assert attrs[name].startswith("#"), attrs[name]


def test_print_css_breaks_pages(krd_page: str) -> None:
    """The inline style sheet has print rules that start sections and months on new pages."""
    style = krd_page.split("<style>")[1].split("</style>")[0]
    assert "@media print" in style
    assert "break-before:page" in style.split("@media print")[1]


def test_output_is_deterministic() -> None:
    """Two renderings with the same generated_at are byte-identical."""
    first = to_html(make("D-KRd", 3), generated_at=GENERATED).encode("utf-8")
    second = to_html(make("D-KRd", 3), generated_at=GENERATED).encode("utf-8")
    assert first == second


def test_generated_at_must_be_aware(krd: Schedule) -> None:
    """A naive generated_at is refused rather than read in the local time zone."""
    with pytest.raises(DosingError, match="generated_at"):
        to_html(krd, generated_at=dt.datetime(2026, 1, 1))


@pytest.mark.parametrize("protocol", ["D-KRd", "KRd", "KdD", "Kd-weekly", "KCyD"])
def test_every_builtin_protocol_renders_balanced_html(protocol: str) -> None:
    """Each built-in protocol renders to well-formed HTML with a row per administration."""
    schedule = make(protocol, 2)
    tree = parse(to_html(schedule, generated_at=GENERATED))
    doses = sum(int(tr.attrs["data-doses"]) for tr in tree.root.find_all("tr", "admin"))
    assert doses == len(schedule.administrations)
    starts = [
        s.text()
        for m in tree.root.find_all("table", "month")
        for td in m.find_all("td", "starts")
        for s in td.find_all("span", "cycle-start")
    ]
    assert starts == ["Cycle 1 starts", "Cycle 2 starts"]


def test_doses_on_the_page_are_written_per_ismp() -> None:
    """A person reads the page: daratumumab 16 mg/kg x 80 kg is written 1,280, not 1280."""
    patient = Patient(height="175 cm", weight="80 kg")
    schedule = build_schedule(
        get_protocol("D-KRd"), patient, "2026-01-05", cycles=1, today=dt.date(2026, 1, 1)
    )
    page = to_html(schedule, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert '<td class="col-dose">1,280</td>' in page
    assert '<td class="col-calculated">1,280</td>' in page


# -- the printed order: running header, dispensing, signatures, weekends, closures ---------


def _css_text(css: str) -> str:
    """A CSS string's text: six-digit escapes (and the space after one) read back by hand."""
    return re.sub(r"\\([0-9a-f]{6}) ?", lambda m: chr(int(m[1], 16)), css)


def _style(page: str) -> str:
    return page.split("<style>")[1].split("</style>")[0]


def _page_rules(page: str) -> dict[str, dict[str, str]]:
    """Each @page rule (by name, "" for every page) and its margin boxes' content, as text."""
    rules: dict[str, dict[str, str]] = {}
    for name, body in re.findall(r"@page ?([\w-]*)\{((?:@[\w-]+\{[^}]*\})+)\}", _style(page)):
        rules[name] = {
            box: _css_text(content)
            for box, content in re.findall(r"@([\w-]+)\{content:([^;]*);", body)
        }
    return rules


@pytest.fixture(scope="module")
def dkrd() -> Schedule:
    return make("D-KRd", 3, identifier='MRN "0001" </style>')


@pytest.fixture(scope="module")
def dkrd_page(dkrd: Schedule) -> str:
    return to_html(dkrd, generated_at=GENERATED)


def test_every_printed_page_names_patient_protocol_part_and_page(dkrd_page: str) -> None:
    """Every page's top says patient, protocol and 'page N of M'; its foot the notice; each
    cycle and month is a named page whose top says which cycle or month it is."""
    rules = _page_rules(dkrd_page)
    every = rules[""]
    assert every["top-left"] == '"patient MRN "0001" </style> · protocol D-KRd"'
    assert every["top-right"] == '"page " counter(page) " of " counter(pages)'
    assert every["bottom-left"] == f'"Verify before use. {VERIFICATION_NOTICE}"'
    assert every["bottom-right"] == '"generated 2026-01-01T00:00:00Z"'
    assert rules["order-header"]["top-center"] == (
        '"order header · cycles 1-3, Mon 5 January 2026 to Sun 29 March 2026"'
    )
    assert rules["cycles-1"]["top-center"] == (
        '"cycle 1 · Mon 5 January 2026 to Sun 1 February 2026"'
    )
    assert rules["cycles-3"]["top-center"] == ('"cycle 3 · Mon 2 March 2026 to Sun 29 March 2026"')
    assert rules["month-2026-02"]["top-center"] == '"calendar · February 2026 · cycles 1-2"'
    style = _style(dkrd_page)
    for part in ("order-header", "cycles-1", "cycles-2", "cycles-3", "month-2026-01"):
        assert f"#{part}{{page:{part}}}" in style
    tree = parse(dkrd_page)
    assert [d.attrs["id"] for d in tree.root.find_all("div", "cycle-sheet")] == [
        "cycles-1",
        "cycles-2",
        "cycles-3",
    ]
    assert '"0001"' not in style
    assert "</style> " not in style


def test_without_an_identifier_every_page_says_so() -> None:
    """A patient without an identifier is named as such at the top of every page."""
    rules = _page_rules(to_html(make("KRd", 1, identifier=None), generated_at=GENERATED))
    assert rules[""]["top-left"] == '"patient: no identifier given · protocol KRd"'


def test_dispensing_summary_of_dkrd_cycle_1_reads_as_worked_by_hand(dkrd_page: str) -> None:
    """Cycle 1, 175 cm / 80 kg: daratumumab 16 mg/kg = 1,280 mg × 4; carfilzomib 39.4 mg × 2 and
    110.4 mg × 4; lenalidomide 25 mg days 1-21 = 21 capsules of 25 mg; dexamethasone 40 mg × 4."""
    table = parse(dkrd_page).root.find_all("table", "dispense")[0]
    assert table.attrs["data-cycle"] == "1"
    heads = [th.text() for th in table.find_all("thead")[0].find_all("th")]
    assert heads[:7] == ["drug", "dose", "route", "days", "doses", "total", "quantity to dispense"]
    got = [
        [tr.find_all("th")[0].text(), *[td.words() for td in tr.find_all("td")][:6]]
        for tr in table.find_all("tr", "dispense-row")
    ]
    assert got == [
        ["daratumumab", "1,280 mg", "IV", "1, 8, 15, 22", "4", "5,120 mg",
         "5,120 mg in total; no vial sizes stated"],
        ["carfilzomib", "39.4 mg", "IV", "1-2", "2", "78.8 mg",
         "78.8 mg in total; no vial sizes stated"],
        ["carfilzomib", "110.4 mg", "IV", "8-9, 15-16", "4", "441.6 mg",
         "441.6 mg in total; no vial sizes stated"],
        ["lenalidomide", "25 mg", "PO", "1-21", "21", "525 mg", "21 capsules of 25 mg"],
        ["dexamethasone", "40 mg", "PO", "1, 8, 15, 22", "4", "160 mg",
         "160 mg in total; no capsule or tablet strengths stated"],
    ]  # fmt: skip


def test_each_cycle_has_lines_for_prescriber_pharmacist_and_nurse(dkrd_page: str) -> None:
    """Every D-KRd cycle fills its page and ends with a sign-off table: prescriber, verifying
    pharmacist and nurse, each with an empty name, signature and date."""
    tree = parse(dkrd_page)
    tables = tree.root.find_all("table", "sign")
    assert [t.attrs["data-cycles"] for t in tables] == ["1", "2", "3"]
    assert [t.find_all("caption")[0].text() for t in tables] == [
        "Sign-off, cycle 1",
        "Sign-off, cycle 2",
        "Sign-off, cycle 3",
    ]
    for table in tables:
        heads = [th.text() for th in table.find_all("thead")[0].find_all("th")]
        assert heads == ["role", "name", "signature", "date"]
        signers = table.find_all("tr", "signer")
        assert [tr.find_all("th")[0].text() for tr in signers] == [
            "Prescriber",
            "Verifying pharmacist",
            "Nurse",
        ]
        for tr in signers:
            blanks = tr.find_all("td", "blank")
            assert [td.text() for td in blanks] == ["", "", ""]
    block = tree.root.find_all("div", "cycle-block")[1]
    assert block.find_all("table", "sign")[0].attrs["data-cycles"] == "2"


def test_short_cycles_share_a_printed_sheet_and_its_sign_off() -> None:
    """Elranatamab's weekly cycles hold one dose each: several share a sheet (a named page
    saying 'cycles 4-6') and one sign-off; every cycle is on exactly one sheet."""
    schedule = make("elranatamab", 12)
    page = to_html(schedule, generated_at=GENERATED)
    tree = parse(page)
    sheets = tree.root.find_all("div", "cycle-sheet")
    assert 1 < len(sheets) < 12
    cycles = [
        int(block.attrs["id"].removeprefix("cycle-"))
        for sheet in sheets
        for block in sheet.find_all("div", "cycle-block")
    ]
    assert cycles == list(range(1, 13))
    for sheet in sheets:
        signs = sheet.find_all("table", "sign")
        assert len(signs) == 1
        inside = [
            b.attrs["id"].removeprefix("cycle-") for b in sheet.find_all("div", "cycle-block")
        ]
        span = inside[0] if len(inside) == 1 else f"{inside[0]}-{inside[-1]}"
        assert signs[0].attrs["data-cycles"] == span
        assert sheet.attrs["id"] == f"cycles-{span}"
        assert f"#cycles-{span}{{page:cycles-{span}}}" in _style(page)
    assert "cycles" in _page_rules(page)[sheets[1].attrs["id"]]["top-center"]


@pytest.fixture(scope="module")
def friday() -> Schedule:
    """KdD from Friday 2026-01-09, with the clinic closed on Friday 2026-01-16."""
    patient = Patient(height="175 cm", weight="80 kg", identifier="MRN 0002")
    return build_schedule(
        get_protocol("KdD"), patient, "2026-01-09", cycles=1, closed=["2026-01-16"], today=TODAY
    )


@pytest.fixture(scope="module")
def friday_tree(friday: Schedule) -> TreeBuilder:
    return parse(to_html(friday, generated_at=GENERATED))


def _flagged(tree: TreeBuilder, flag: str) -> list[tuple[str, str]]:
    """(date, drug) of each order-sheet row that carries ``flag``."""
    return [
        (tr.find_all("td", "col-date")[0].text(), tr.find_all("td", "col-drug")[0].text())
        for tr in _order_rows(tree)
        if flag in [s.text() for s in tr.find_all("span", "flag")]
    ]


def test_a_friday_start_flags_every_saturday_dose(friday_tree: TreeBuilder) -> None:
    """KdD from Friday 9 January: C1 D2, D9 and D16 fall on Saturdays 10, 17 and 24 January;
    every dose on them is flagged 'weekend' on the order sheet, in the calendar and the header."""
    assert _flagged(friday_tree, "weekend") == [
        ("2026-01-10", "daratumumab"),
        ("2026-01-10", "carfilzomib"),
        ("2026-01-10", "dexamethasone"),
        ("2026-01-17", "carfilzomib"),
        ("2026-01-17", "dexamethasone"),
        ("2026-01-24", "carfilzomib"),
        ("2026-01-24", "dexamethasone"),
    ]
    flagged_days = [
        td.find_all("span", "num")[0].text()
        for td in friday_tree.root.find_all("td", "treat")
        if "weekend" in [s.text() for s in td.find_all("span", "flag")]
    ]
    assert flagged_days == ["10", "17", "24"]
    listed = [
        li.text() for li in friday_tree.root.find_all("ul", "weekend-doses")[0].find_all("li")
    ]
    assert listed == [
        "daratumumab IV, 1 dose: Sat 2026-01-10 (C1 D2)",
        "carfilzomib IV, 3 doses: Sat 2026-01-10 (C1 D2), Sat 2026-01-17 (C1 D9), "
        "Sat 2026-01-24 (C1 D16)",
        "dexamethasone PO, 3 doses: Sat 2026-01-10 (C1 D2), Sat 2026-01-17 (C1 D9), "
        "Sat 2026-01-24 (C1 D16)",
    ]


def test_the_weekday_column_names_each_day(friday_tree: TreeBuilder) -> None:
    """2026-01-09 is a Friday: the order sheet writes Fri, Sat, Fri, Sat, ... beside the dates."""
    days = [
        (tr.find_all("td", "col-date")[0].text(), tr.find_all("td", "col-weekday")[0].text())
        for tr in _order_rows(friday_tree)
    ]
    assert list(dict.fromkeys(days)) == FRIDAY_DATES


def test_a_clinic_closure_moves_nothing_and_warns_on_each_dose(friday_tree: TreeBuilder) -> None:
    """Closed on 2026-01-16 (C1 D8): daratumumab, carfilzomib and dexamethasone stay on that day,
    each flagged 'closed'; the header warns and the calendar day says 'clinic closed'."""
    assert _flagged(friday_tree, "closed") == [
        ("2026-01-16", "daratumumab"),
        ("2026-01-16", "carfilzomib"),
        ("2026-01-16", "dexamethasone"),
    ]
    warnings = [li.text() for li in friday_tree.root.find_all("ul", "warnings")[0].find_all("li")]
    assert (
        "clinic closed on Fri 2026-01-16 (C1 D8): daratumumab, carfilzomib, dexamethasone not "
        "moved - give elsewhere or record a delay"
    ) in warnings
    fields = {
        f.find_all("dt")[0].text(): f.find_all("dd")[0].text()
        for f in friday_tree.root.find_all("div", "field")
    }
    assert fields["clinic closed"] == "Fri 2026-01-16; doses on it: 3, none moved"
    cell = next(
        td
        for td in friday_tree.root.find_all("td", "closed")
        if td.find_all("span", "num")[0].text() == "16"
    )
    assert cell.find_all("span", "closed-day")[0].text() == "clinic closed"
    assert len(cell.find_all("li", "rx")) == 3
