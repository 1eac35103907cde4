"""Importing a CSV or XLSX file of reports or signals: dry run, confirm, bad input."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from signals.models import FrictionReport, MarketSignal, ReportLink
from signals.web import imports
from tests.support.factories import FrictionReportFactory, RoadmapItemFactory, UserFactory

HEADER = (
    "external_id,campaign,title,channel,funnel_stage,affected_people,severity,observed_at,items"
)


def _rows(item_id: int, bad: bool = False) -> list[str]:
    return [
        f"R-1,Spring webinar,Form too long,email,activation,1200,2,2026-11-01,{item_id}:0.5",
        f"R-2,Spring webinar,Pricing unclear,email,conversion,{'lots' if bad else 800},1,"
        "2026-11-02,",
        "R-3,Autumn ads,Slow page,paid_search,acquisition,300,0.5,2026-11-03,",
    ]


def _csv(lines: list[str], *, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


@pytest.fixture
def mk_client(client, marketing_user):
    client.force_login(marketing_user)
    return client


@pytest.fixture
def item(db):
    return RoadmapItemFactory(title="SSO for small teams")


def _upload(client, data: bytes, *, name: str = "reports.csv", kind: str = "reports"):
    return client.post(
        reverse("evidence:import"), {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


def _confirm(client, response):
    return client.post(reverse("evidence:import_confirm"), {"token": response.context["token"]})


@pytest.mark.django_db
def test_dry_run_shows_each_row_with_its_errors_and_writes_nothing(mk_client, item):
    response = _upload(mk_client, _csv(_rows(item.pk, bad=True)))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="dry-run-refused"' in page
    assert 'data-testid="row-errors-3"' in page  # the header is row 1
    errors = response.context["report"].errors
    assert [(e.row, e.column) for e in errors] == [(3, "affected_people")]
    assert 'data-testid="import-confirm"' not in page
    assert not FrictionReport.objects.exists()
    assert "evidence_import" not in mk_client.session


@pytest.mark.django_db
def test_confirmed_import_writes_through_the_bulk_service_and_reimport_updates(
    mk_client, marketing_user, item
):
    response = _upload(mk_client, _csv(_rows(item.pk)))
    assert 'data-testid="dry-run-ok"' in response.content.decode()
    assert not FrictionReport.objects.exists()  # dry run only
    confirmed = _confirm(mk_client, response)
    assert confirmed.status_code == 302
    assert FrictionReport.objects.count() == 3
    assert set(FrictionReport.objects.values_list("submitted_by", flat=True)) == {marketing_user.pk}
    assert ReportLink.objects.get().weight == 0.5
    # The same file again, one value changed: updated, not duplicated.
    lines = _rows(item.pk)
    lines[2] = lines[2].replace(",300,", ",350,")
    again = _upload(mk_client, _csv(lines))
    assert again.context["report"].existing == 3
    _confirm(mk_client, again)
    assert FrictionReport.objects.count() == 3
    assert FrictionReport.objects.get(external_id="R-3").affected_people == 350


@pytest.mark.django_db
def test_confirm_needs_the_token_of_the_stored_dry_run(mk_client, item):
    _upload(mk_client, _csv(_rows(item.pk)))
    response = mk_client.post(reverse("evidence:import_confirm"), {"token": "forged"})
    assert response.status_code == 302
    assert not FrictionReport.objects.exists()


@pytest.mark.django_db
def test_someone_elses_record_refuses_the_whole_import(mk_client, item):
    other = UserFactory(username="other-mk", role="marketing")
    FrictionReportFactory(source="file-import", external_id="R-2", submitted_by=other)
    response = _upload(mk_client, _csv(_rows(item.pk)))
    confirmed = _confirm(mk_client, response)
    assert confirmed.status_code == 409
    assert "submitted by someone else" in confirmed.content.decode()
    assert FrictionReport.objects.count() == 1  # nothing half-written


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        ("\ufeff", ","),  # UTF-8 with BOM (Excel's "CSV UTF-8")
        ("", ","),
        ("", ";"),  # French Excel
    ],
)
def test_utf8_with_and_without_bom(mk_client, data, delimiter):
    text = data + "\n".join(
        [
            HEADER.replace(",", delimiter),
            delimiter.join(
                ["R-9", "Lancement été", "Élan", "email", "activation", "10", "1", "2026-11-01", ""]
            ),
        ]
    )
    response = _upload(mk_client, text.encode("utf-8"))
    assert not response.context["report"].errors
    _confirm(mk_client, response)
    assert FrictionReport.objects.get().campaign == "Lancement été"


@pytest.mark.django_db
def test_latin1_from_excel(mk_client):
    text = HEADER + "\nR-9,Lancement été,Élan,email,activation,10,1,2026-11-01,\n"
    response = _upload(mk_client, text.encode("cp1252"))
    _confirm(mk_client, response)
    assert FrictionReport.objects.get().title == "Élan"


@pytest.mark.django_db
def test_xlsx_import_and_formulas_are_never_evaluated(mk_client, item):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["X-1", "Spring", "ok", "email", "activation", 100, 2, "2026-11-01", item.pk])
    sheet.append(["X-2", "Spring", "=1+1", "email", "activation", "=A1*2", 2, "2026-11-01", ""])
    out = io.BytesIO()
    book.save(out)
    response = _upload(mk_client, out.getvalue(), name="reports.xlsx")
    errors = {(e.row, e.column) for e in response.context["report"].errors}
    assert errors == {(3, "title"), (3, "affected_people")}
    assert "formula" in response.content.decode()
    assert not FrictionReport.objects.exists()


@pytest.mark.django_db
def test_xlsx_good_file_imports(mk_client, item):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["4711", "Spring", "ok", "email", "activation", 100, 2, "2026-11-01", item.pk])
    out = io.BytesIO()
    book.save(out)
    response = _upload(mk_client, out.getvalue(), name="reports.xlsx")
    assert not response.context["report"].errors
    _confirm(mk_client, response)
    assert FrictionReport.objects.get().external_id == "4711"


@pytest.mark.django_db
def test_csv_formula_text_is_refused(mk_client):
    text = HEADER + '\nR-9,=HYPERLINK("http://x"),t,email,activation,10,1,2026-11-01,\n'
    response = _upload(mk_client, text.encode())
    assert [(e.row, e.column) for e in response.context["report"].errors] == [(2, "campaign")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("reports.txt", b"hello", "Only CSV (.csv) and Excel (.xlsx)"),
        ("reports.xlsx", b"not a zip", "not a readable XLSX"),
        ("reports.csv", b"external_id,colour\nR-1,red\n", "Unknown column"),
        ("reports.csv", b"external_id,title\nR-1,x\n", "Required column"),
        ("reports.csv", HEADER.encode() + b"\n", "no data rows"),
    ],
)
def test_bad_files_get_a_clear_message(mk_client, name, data, message):
    response = _upload(mk_client, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FrictionReport.objects.exists()


@pytest.mark.django_db
def test_too_large_file_states_the_limit(mk_client, settings):
    data = b"x" * (imports.MAX_IMPORT_BYTES + 1)
    response = _upload(mk_client, data)
    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()


@pytest.mark.django_db
def test_ten_thousand_rows_are_refused_with_the_limit(mk_client):
    line = "R-{},c,t,email,activation,10,1,2026-11-01,"
    data = _csv([line.format(i) for i in range(10_000)])
    response = _upload(mk_client, data)
    assert response.status_code == 400
    assert "more than 1,000 rows" in response.content.decode()
    assert not FrictionReport.objects.exists()


@pytest.mark.django_db
def test_signals_import(mk_client, item):
    text = (
        "external_id,kind,title,observed_at,items\n"
        f"S-1,customer_request,SSO please,2026-11-01,{item.pk}\n"
        "S-2,rumour,Bad kind,2026-11-01,\n"
    )
    response = _upload(mk_client, text.encode(), kind="signals")
    assert [(e.row, e.column) for e in response.context["report"].errors] == [(3, "kind")]
    fixed = text.replace("rumour", "market_trend")
    response = _upload(mk_client, fixed.encode(), kind="signals")
    _confirm(mk_client, response)
    assert MarketSignal.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["reports", "signals"])
def test_templates_download_and_import_back(mk_client, kind):
    for fmt in ("csv", "xlsx"):
        response = mk_client.get(reverse("evidence:import_template", args=[kind, fmt]))
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        data = response.content
        if fmt == "csv":
            assert data.startswith("\ufeff".encode())
            header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        else:
            header = [c.value for c in next(load_workbook(io.BytesIO(data)).active.iter_rows())]
        assert tuple(header) == imports.SPECS[kind].columns
        dry = _upload(mk_client, data, name=f"t.{fmt}", kind=kind)
        assert not dry.context["report"].errors


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("plain", "plain"),
        (-3, -3),
    ],
)
def test_exported_text_that_looks_like_a_formula_is_escaped(value, safe):
    assert imports.csv_safe(value) == safe


@pytest.mark.django_db
def test_unknown_template_is_404(mk_client):
    assert mk_client.get("/evidence/import/template/users.csv").status_code == 404
