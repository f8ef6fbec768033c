import factory

from inspections.models import Department, Region, Role, ServiceHall, Staff, User, Window


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

    @factory.post_generation
    def halls(self, create, extracted, **kwargs):
        if create and extracted:
            self.halls.set(extracted)
        if create:
            self.save()
