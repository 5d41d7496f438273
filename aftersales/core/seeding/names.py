"""Chinese names, places, phone numbers, e-mail addresses, VINs and appliance serial numbers.

Everything draws from the seed's `random.Random` and its seeded `Faker("zh_CN")`, never the clock.
E-mail addresses use the reserved example.com / example.net / example.org domains, so a demo that sends
mail never reaches a real mailbox.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

from faker import Faker


class Choice:
    """A weighted choice by bisecting cumulative weights (much faster than `rng.choices` per call)."""

    def __init__(self, pairs):
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True)
class StoreSpec:
    code: str
    name: str
    kind: str  # accounts.Store.Kind value
    region: str
    city: str
    district: str
    street: str
    area_code: str


# The first 3 are the small size, the first 6 medium, all 12 large: two 4S dealerships and a service
# centre, then alternately more of each.
STORES: tuple[StoreSpec, ...] = (
    StoreSpec("sh-pudong", "上海浦东4S店", "dealership", "上海市", "上海", "浦东新区", "张杨路", "021"),
    StoreSpec("hz-xihu", "杭州西湖4S店", "dealership", "浙江省", "杭州", "西湖区", "文三路", "0571"),
    StoreSpec(
        "su-appliance", "苏州家电服务中心", "service_centre", "江苏省", "苏州", "工业园区", "星湖街", "0512"
    ),
    StoreSpec("nj-jiangning", "南京江宁4S店", "dealership", "江苏省", "南京", "江宁区", "双龙大道", "025"),
    StoreSpec("bj-chaoyang", "北京朝阳4S店", "dealership", "北京市", "北京", "朝阳区", "望京街", "010"),
    StoreSpec(
        "nb-appliance", "宁波家电服务中心", "service_centre", "浙江省", "宁波", "鄞州区", "天童南路", "0574"
    ),
    StoreSpec("gz-tianhe", "广州天河4S店", "dealership", "广东省", "广州", "天河区", "黄埔大道", "020"),
    StoreSpec("cd-gaoxin", "成都高新4S店", "dealership", "四川省", "成都", "高新区", "天府大道", "028"),
    StoreSpec("wh-guanggu", "武汉光谷4S店", "dealership", "湖北省", "武汉", "洪山区", "光谷大道", "027"),
    StoreSpec("sz-nanshan", "深圳南山4S店", "dealership", "广东省", "深圳", "南山区", "科技南路", "0755"),
    StoreSpec(
        "hf-appliance", "合肥家电服务中心", "service_centre", "安徽省", "合肥", "蜀山区", "长江西路", "0551"
    ),
    StoreSpec(
        "xa-appliance", "西安家电服务中心", "service_centre", "陕西省", "西安", "雁塔区", "科技路", "029"
    ),
)

DISTRICTS: dict[str, tuple[str, ...]] = {
    "上海": ("浦东新区", "闵行区", "徐汇区", "静安区", "宝山区", "松江区"),
    "杭州": ("西湖区", "拱墅区", "滨江区", "余杭区", "萧山区"),
    "苏州": ("工业园区", "姑苏区", "吴中区", "相城区", "虎丘区"),
    "南京": ("江宁区", "鼓楼区", "玄武区", "建邺区", "浦口区"),
    "北京": ("朝阳区", "海淀区", "丰台区", "通州区", "昌平区"),
    "宁波": ("鄞州区", "海曙区", "江北区", "镇海区", "北仑区"),
    "广州": ("天河区", "越秀区", "海珠区", "番禺区", "白云区"),
    "成都": ("高新区", "武侯区", "锦江区", "青羊区", "金牛区"),
    "武汉": ("洪山区", "江汉区", "武昌区", "汉阳区", "江岸区"),
    "深圳": ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区"),
    "合肥": ("蜀山区", "包河区", "庐阳区", "瑶海区"),
    "西安": ("雁塔区", "碑林区", "未央区", "长安区", "高新区"),
}
COMMUNITIES = ("花园", "小区", "新村", "公寓", "苑", "府", "湾", "名邸")
COMPANY_SUFFIXES = (
    "物流有限公司",
    "出租汽车有限公司",
    "酒店管理有限公司",
    "汽车租赁有限公司",
    "科技有限公司",
    "物业服务有限公司",
    "餐饮管理有限公司",
    "建设工程有限公司",
)
CONTACT_POSITIONS = ("车队主管", "行政经理", "采购经理", "后勤主管", "设备管理员")
MOBILE_PREFIXES = (
    tuple(f"13{d}" for d in range(10))
    + tuple(f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9))
    + tuple(f"18{d}" for d in range(10))
)
MAIL_DOMAINS = ("example.com", "example.net", "example.org")


class Names:
    """Names and contact details. Faker supplies pools of surnames, given names, streets, company
    prefixes and user names once; people are then combined from the pools with the seed's random
    stream (a hundred thousand customers would otherwise spend most of their time inside Faker)."""

    def __init__(self, rng: random.Random, fake: Faker):
        self.rng = rng
        self.fake = fake
        self._pools: dict[str, list[str]] | None = None

    def _pool(self, name: str) -> list[str]:
        if self._pools is None:
            fake = self.fake
            self._pools = {
                "family": [fake.last_name() for _ in range(800)],  # common surnames come up more
                "given": [fake.first_name() for _ in range(2000)],
                "street": [fake.street_name() for _ in range(500)],
                "prefix": [fake.company_prefix() for _ in range(500)],
                "user": [fake.user_name() for _ in range(2000)],
            }
        return self._pools[name]

    def person(self) -> tuple[str, str]:
        """(family name, given name)."""
        return self.rng.choice(self._pool("family")), self.rng.choice(self._pool("given"))

    def company(self, city: str) -> str:
        return f"{city}{self.rng.choice(self._pool('prefix'))}{self.rng.choice(COMPANY_SUFFIXES)}"

    def mobile(self) -> str:
        return f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"

    def landline(self, area_code: str) -> str:
        digits = 8 if len(area_code) == 3 else 7
        return f"{area_code}-{self.rng.randrange(2 * 10 ** (digits - 1), 10**digits)}"

    def email(self) -> str:
        local = self.rng.choice(self._pool("user"))
        return f"{local}{self.rng.randrange(10, 1000)}@{self.rng.choice(MAIL_DOMAINS)}"

    def address(self, city: str) -> str:
        rng = self.rng
        district = rng.choice(DISTRICTS.get(city, ("市辖区",)))
        family, given = self.person()
        community = f"{family}{given[:1]}{rng.choice(COMMUNITIES)}"
        street = rng.choice(self._pool("street"))
        return (
            f"{city}市{district}{street}{rng.randint(1, 999)}号{community}"
            f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
        )


# --- vehicle identification numbers (ISO 3779 with the North-American / GB 16735 check digit) -------
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Model-year codes (position 10) repeat every 30 years; 2010 = A.
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def is_valid_vin(vin: str) -> bool:
    return (
        len(vin) == 17
        and all(char in VIN_CHARS for char in vin)
        and vin[8] == vin_check_digit(vin[:8] + "0" + vin[9:])
    )


def make_vin(*, wmi: str, vds: str, model_year: int, plant: str, sequence: int) -> str:
    """A valid 17-character VIN: WMI (3) + VDS (5) + check digit + year + plant + serial (6)."""
    body = f"{wmi}{vds}0{_YEAR_CODES[(model_year - 2010) % 30]}{plant}{sequence % 10**6:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def appliance_serial(prefix: str, *, year: int, month: int, sequence: int) -> str:
    """`prefix` + production yymm + 7-digit unit number, e.g. HSF24030012345 (matches `prefix\\d{11}`)."""
    return f"{prefix}{year % 100:02d}{month:02d}{sequence % 10**7:07d}"
