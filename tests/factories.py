import datetime
import io

import factory
from django.utils import timezone

from inspections.models import Finding, ProblemCategory, Visit
from registry.models import Department, Region, Role, ServiceHall, Staff, User, Window


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{510000 + n * 100:06d}")
    name = factory.Sequence(lambda n: f"测试区划{n}")
    level = Region.Level.PROVINCE
    parent = None


class HallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceHall

    name = factory.Sequence(lambda n: f"测试政务服务中心{n}")
    region = factory.SubFactory(RegionFactory)
    kind = ServiceHall.Kind.GOVERNMENT_CENTRE
    address = "测试路 1 号"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    hall = factory.SubFactory(HallFactory)
    name = factory.Sequence(lambda n: f"部门{n}")


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window

    hall = factory.SubFactory(HallFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = "综合受理"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    hall = factory.SubFactory(HallFactory)
    name = factory.Sequence(lambda n: f"张{n}")
    badge_number = factory.Sequence(lambda n: f"B{n:04d}")
    phone = "13812345678"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.INSPECTOR
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "Passw0rd!")
    # Chose their own password a moment ago: not asked to change it (tests/test_identity.py is).
    password_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def halls(self, create, extracted, **kwargs):
        if create and extracted:
            self.halls.set(extracted)
        if create:
            self.save()


def category(code: str) -> ProblemCategory:
    """A taxonomy sub-item by code (the taxonomy is loaded by the ``taxonomy`` fixture)."""
    return ProblemCategory.objects.get(code=code)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit
        skip_postgeneration_save = True

    hall = factory.SubFactory(HallFactory)
    mode = Visit.Mode.UNDERCOVER
    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    created_by = factory.SubFactory(UserFactory)
    team_name = "省暗访组"

    @factory.post_generation
    def inspectors(self, create, extracted, **kwargs):
        if create:
            self.inspectors.set(extracted or [self.created_by])


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    visit = factory.SubFactory(VisitFactory)
    hall = factory.LazyAttribute(lambda f: f.visit.hall if f.visit else None)
    source = factory.LazyAttribute(lambda f: f.visit.mode if f.visit else Finding.Source.SELF_INSPECTION)
    undercover = factory.LazyAttribute(lambda f: bool(f.visit) and f.visit.mode == Visit.Mode.UNDERCOVER)
    category = factory.LazyFunction(lambda: category("C02"))
    facts = factory.LazyFunction(lambda: {"minutes_off_post": 27})
    observed_at = factory.LazyAttribute(
        lambda f: (f.visit.started_at if f.visit else timezone.now() - datetime.timedelta(hours=3))
        + datetime.timedelta(minutes=30)
    )
    description = "工作人员在群众等待办事期间多次随意离开岗位，最长达27分钟。"
    created_by = factory.LazyAttribute(lambda f: f.visit.created_by if f.visit else UserFactory())
    status = Finding.Status.DRAFT


def jpeg_bytes(size=(64, 48), color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 0)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_evidence(actor, hall, name="整改后.jpg", content=None, **owner):
    """A piece of evidence stored the way the services store it (checked, sealed, a clean copy of
    a photo); ``owner`` is ``finding=`` or ``from_hall=``. Link it to its record yourself."""
    from inspections.services.evidence import check_uploads, store_files

    checked = check_uploads([upload(name, content or jpeg_bytes(), "application/octet-stream")])
    return store_files(actor=actor, checked=checked, written=[], hall=hall, **owner)[0]
