"""The inspected hall never learns who inspected it or from where.

An undercover finding goes the whole way — recorded with a phone photo that
carries its GPS position and the phone's make and model, and a video;
confirmed; rectified; published; revisited — and then everything the hall
side can open is read: its pages, its exports, its notifications and mail,
its history entries, and the bytes of the files it downloads. None holds the
inspector's name or account (policy: person.identify), and no photo holds the
metadata; the original, sealed with its SHA-256, stays with the office and
the visit's inspectors (policy: evidence.view_original).
"""

import datetime
import hashlib
import io
import zipfile

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from circulars import services as circular_services
from inspections import services
from inspections.models import Evidence
from rectification import reminders
from rectification import services as ledger
from tests.factories import category

INSPECTOR_NAME, INSPECTOR_ACCOUNT, TEAM = "周卫东", "zhou_weidong", "省作风办第一暗访组"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def phone_photo() -> bytes:
    """A JPEG as a phone writes it: the position it was taken at and the phone that took it, and
    a comment block (COM) as some camera apps and editors write one."""
    image = Image.new("RGB", (800, 600), (10, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15 Pro"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (46.0, 48.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (130.0, 21.0, 10.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment="暗访组 张伟 摄于二号窗口".encode())
    return out.getvalue()


PHOTO = phone_photo()


def _no_metadata(content: bytes):
    image = Image.open(io.BytesIO(content))
    assert not dict(image.getexif()), "the hall's copy carries EXIF"
    assert "comment" not in image.info, "the hall's copy carries the JPEG comment"
    for marker in (b"Exif", b"iPhone", b"Apple", b"GPS", b"http://ns.adobe.com/xap", "张伟".encode()):
        assert marker not in content, f"the hall's copy carries {marker!r}"
    return image


@pytest.fixture
def published(undercover_visit, inspector, office, hall_manager, regions, own_hall, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    inspector.display_name, inspector.username, inspector.organisation = INSPECTOR_NAME, INSPECTOR_ACCOUNT, TEAM
    inspector.email = "zhou@example.gov.cn"
    inspector.save()
    hall_manager.email = "manager@example.gov.cn"
    hall_manager.save()
    undercover_visit.team_name = TEAM
    undercover_visit.save()
    finding = services.finding_record(
        actor=inspector, visit=undercover_visit, submit=True,
        facts_raw={"minutes_off_post": 27},
        values={"category": category("C02"), "observed_at": undercover_visit.started_at + datetime.timedelta(minutes=5),
                "severity": "general", "description": "窗口工作人员离岗27分钟。", "staff_description": "男，约40岁"},
        files=[SimpleUploadedFile(f"IMG_{INSPECTOR_ACCOUNT}.jpg", PHOTO, "image/jpeg"),
               SimpleUploadedFile("VID_0001.mp4", MP4, "video/mp4")],
    )
    services.finding_update(actor=office, finding=finding, values={"description": "窗口工作人员离岗27分钟，群众等候。"},
                            facts_raw={"minutes_off_post": 27})
    finding = services.finding_confirm(actor=office, finding=finding)
    item = ledger.item_create(actor=office, findings=[finding])
    circular = circular_services.circular_save(actor=office, findings=[finding], values={
        "issuer": "佳木斯市作风办", "issuer_code": "佳作整办", "year": 2026, "region": regions["city_a"],
        "title": "通报", "date": datetime.date(2026, 11, 21), "naming": "surname",
    })
    circular_services.circular_publish(actor=office, circular=circular)
    item.refresh_from_db()
    ledger.progress_add(actor=hall_manager, item=item, date=timezone.localdate(), text="已调整排班",
                        files=[SimpleUploadedFile("排班表.jpg", PHOTO, "image/jpeg")])
    ledger.closure_request(actor=hall_manager, item=item, completion_note="已整改")
    ledger.revisit_record(actor=inspector, items=[item], date=timezone.localdate(), observation="仍有离岗",
                          verdict="perfunctory", files=[SimpleUploadedFile("回访.jpg", PHOTO, "image/jpeg")])
    finding.refresh_from_db()
    return {"finding": finding, "item": item, "circular": circular,
            "photo": finding.evidence.get(kind="photo"), "video": finding.evidence.get(kind="video")}


def _pages(published):
    finding, item, circular = published["finding"], published["item"], published["circular"]
    return [
        reverse("finding_detail", args=[finding.pk]), reverse("finding_list"), reverse("item_detail", args=[item.pk]),
        reverse("ledger"), reverse("circular_detail", args=[circular.pk]), reverse("notification_list"),
        reverse("home"), reverse("accountability_list"),
    ]


def _exports(published):
    return [reverse("findings_export"), reverse("ledger_export"), reverse("accountability_export"),
            reverse("circular_export", args=[published["circular"].pk])]


def _xlsx_text(response) -> str:
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())


@pytest.mark.django_db
class TestTheHallSide:
    def test_pages_name_the_team_never_the_inspector(self, client, hall_manager, published):
        client.force_login(hall_manager)
        for url in _pages(published):
            page = client.get(url).content.decode()
            assert INSPECTOR_NAME not in page and INSPECTOR_ACCOUNT not in page, url
        finding_page = client.get(reverse("finding_detail", args=[published["finding"].pk])).content.decode()
        assert TEAM in finding_page  # who recorded it, and who edited it in the history
        item_page = client.get(reverse("item_detail", args=[published["item"].pk])).content.decode()
        assert TEAM in item_page  # who revisited

    def test_exports_name_nobody_behind_the_finding(self, client, hall_manager, published):
        client.force_login(hall_manager)
        for url in _exports(published):
            text = _xlsx_text(client.get(url))
            assert INSPECTOR_NAME not in text and INSPECTOR_ACCOUNT not in text, url

    def test_notifications_and_mail_name_nobody(self, hall_manager, published):
        reminders.run(timezone.localdate())
        texts = [n.text for n in hall_manager.notifications.all()]
        assert texts and not any(INSPECTOR_NAME in t or INSPECTOR_ACCOUNT in t for t in texts)
        mails = [m for m in mail.outbox if hall_manager.email in m.to]
        assert mails and not any(INSPECTOR_NAME in m.body or INSPECTOR_ACCOUNT in m.body for m in mails)

    def test_the_photo_the_hall_downloads_has_no_position_or_phone(self, client, hall_manager, published):
        client.force_login(hall_manager)
        response = client.get(reverse("evidence_download", args=[published["photo"].pk]))
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        image = _no_metadata(content)
        assert image.size == (600, 800)  # turned upright by the orientation it no longer carries
        assert content != PHOTO and hashlib.sha256(content).hexdigest() != published["photo"].sha256
        disposition = response["Content-Disposition"]
        assert INSPECTOR_ACCOUNT not in disposition and published["photo"].code in disposition
        thumbnail = client.get(reverse("evidence_thumbnail", args=[published["photo"].pk]))
        _no_metadata(b"".join(thumbnail.streaming_content))

    def test_the_revisit_photo_is_a_clean_copy_too(self, client, hall_manager, published):
        revisit_photo = published["item"].revisits.get().evidence.get()
        client.force_login(hall_manager)
        response = client.get(reverse("evidence_download", args=[revisit_photo.pk]))
        assert response.status_code == 200
        _no_metadata(b"".join(response.streaming_content))

    def test_the_finding_page_shows_neither_the_file_names_nor_the_seal(self, client, hall_manager, published):
        client.force_login(hall_manager)
        page = client.get(reverse("finding_detail", args=[published["finding"].pk])).content.decode()
        assert f"IMG_{INSPECTOR_ACCOUNT}" not in page
        assert published["photo"].sha256[:12] not in page
        assert "下载原件" not in page

    def test_a_video_reaches_the_hall_only_once_the_office_shares_it(self, client, hall_manager, office, published):
        video = published["video"]
        client.force_login(hall_manager)
        assert client.get(reverse("evidence_download", args=[video.pk])).status_code == 404
        page = client.get(reverse("finding_detail", args=[published["finding"].pk])).content.decode()
        assert reverse("evidence_download", args=[video.pk]) not in page
        client.force_login(office)
        client.post(reverse("evidence_share", args=[video.pk]), {"shared": "1"})
        client.force_login(hall_manager)
        response = client.get(reverse("evidence_download", args=[video.pk]))
        assert response.status_code == 200 and b"".join(response.streaming_content) == MP4
        assert "VID_0001" not in response["Content-Disposition"]

    def test_the_hall_keeps_the_originals_of_what_it_gave_itself(self, client, hall_manager, published):
        proof = published["item"].progress.exclude(proof=None).first().proof.get()
        client.force_login(hall_manager)
        response = client.get(reverse("evidence_download", args=[proof.pk]))
        assert b"".join(response.streaming_content) == PHOTO

    def test_the_hall_side_has_no_admin_screens_of_findings_or_evidence(self, client, hall_manager, published):
        client.force_login(hall_manager)
        for name in ("inspections_finding", "inspections_evidence", "inspections_visit", "rectification_revisit"):
            assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403


@pytest.mark.django_db
class TestTheOfficeSide:
    def test_the_office_and_the_inspector_get_the_sealed_original(self, client, office, inspector, published):
        photo = published["photo"]
        for user in (office, inspector):
            client.force_login(user)
            response = client.get(reverse("evidence_download", args=[photo.pk]))
            content = b"".join(response.streaming_content)
            assert content == PHOTO and hashlib.sha256(content).hexdigest() == photo.sha256
            assert f"IMG_{INSPECTOR_ACCOUNT}" in response["Content-Disposition"]

    def test_the_office_sees_who_inspected(self, client, office, published):
        client.force_login(office)
        page = client.get(reverse("finding_detail", args=[published["finding"].pk])).content.decode()
        assert INSPECTOR_NAME in page

    def test_an_auditor_gets_the_clean_copy_not_the_original(self, client, auditor, published):
        client.force_login(auditor)
        content = b"".join(client.get(reverse("evidence_download", args=[published["photo"].pk])).streaming_content)
        _no_metadata(content)

    def test_photos_are_always_shared_as_their_copy_never_as_the_original(self, office, published):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            services.evidence_share(actor=office, evidence=published["photo"], shared=True)
        assert not Evidence.objects.get(pk=published["photo"].pk).shared_with_hall


@pytest.mark.django_db
def test_the_rule_of_names_is_the_policys(hall_manager, office, inspector, auditor):
    """person.identify: the hall side knows its own people and the office, never an inspector."""
    assert not hall_manager.has_perm("person.identify", inspector)
    assert not hall_manager.has_perm("person.identify", auditor)
    assert hall_manager.has_perm("person.identify", office)
    assert hall_manager.has_perm("person.identify", hall_manager)
    assert office.has_perm("person.identify", inspector) and auditor.has_perm("person.identify", inspector)


@pytest.mark.django_db
def test_who_has_the_original_is_the_policys(hall_manager, office, inspector, auditor, published):
    """evidence.view_original: the office covering the hall, the visit's inspectors, the uploader."""
    photo = published["photo"]
    assert office.has_perm("evidence.view_original", photo) and inspector.has_perm("evidence.view_original", photo)
    assert not hall_manager.has_perm("evidence.view_original", photo)
    assert not auditor.has_perm("evidence.view_original", photo)
