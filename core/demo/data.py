"""The demo city as plain data plus deterministic generators (no database here).

Everything random is drawn from a fixed seed, so every ``linli demo`` builds the same city.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cache

from core.demo.care_notes import CARE_NOTES
from core.demo.product_lines import LINES, Line
from core.money import parse_yuan

SEED = 20261123
DEALS_PER_DAY = 220
COKE_SKU = "DRK-COKE-330"


@dataclass(frozen=True)
class CategorySpec:
    """An aisle and the prefix of its generated SKUs."""

    code: str
    name_zh: str
    name_en: str
    sku_prefix: str


@dataclass(frozen=True)
class UnitSpec:
    """A residential unit, its buildings in walking order, and its partner."""

    code: str
    name_zh: str
    name_en: str
    area: str
    buildings: tuple[str, ...]
    partner_name: str
    partner_phone: str


@dataclass(frozen=True)
class ProductSpec:
    """A product row ready to insert; money in fen."""

    sku: str
    category: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    price_fen: int
    reference_price_fen: int
    heavy: bool
    stock: int
    care_note_zh: str | None
    care_note_en: str | None


@dataclass(frozen=True)
class GiftSpec:
    """Buy ``min_quantity`` of the trigger (by SKU or Chinese name), get the gift SKU free."""

    trigger: str
    gift_sku: str
    min_quantity: int
    gift_quantity: int
    gift_stock: int


@dataclass(frozen=True)
class PromoSpec:
    """A promo code or coupon; ``product_sku`` only for fixed-price-item offers."""

    code: str
    kind: str
    name_zh: str
    name_en: str
    benefit: str
    product_sku: str | None = None
    fixed_price_fen: int | None = None
    amount_off_fen: int | None = None
    percent_off: int | None = None
    rounding: str = "down"
    first_order_only: bool = False
    min_spend_fen: int = 0
    per_customer_limit: int = 1
    total_cap: int | None = None
    for_elderly: bool = False
    for_children: bool = False
    for_pregnant: bool = False


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("grain_oil", "粮油", "Grain & Oil", "GRN"),
    CategorySpec("drinks", "饮料", "Drinks", "DRK"),
    CategorySpec("snacks", "零食", "Snacks", "SNK"),
    CategorySpec("fresh", "生鲜果蔬", "Fresh Fruit & Veg", "FRS"),
    CategorySpec("meat_eggs", "肉禽蛋", "Meat, Poultry & Eggs", "MT"),
    CategorySpec("dairy", "乳品", "Dairy", "DAI"),
    CategorySpec("frozen", "冷冻食品", "Frozen", "FRZ"),
    CategorySpec("condiments", "调味品", "Condiments", "CND"),
    CategorySpec("household", "日用品", "Household", "HH"),
    CategorySpec("personal_care", "个人护理", "Personal Care", "PC"),
    CategorySpec("baby", "母婴", "Mother & Baby", "BB"),
    CategorySpec("breakfast", "早餐面点", "Breakfast & Bakery", "BRK"),
    CategorySpec("dried_goods", "南北干货", "Dried Goods & Tonics", "DRG"),
)


def _labels(count: int) -> tuple[str, ...]:
    """Building labels the way residents say them: 1栋, 2栋, ..."""
    return tuple(f"{number}栋" for number in range(1, count + 1))


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec(
        "jinxiu", "锦绣花园", "Jinxiu Garden", "浦东新区 花木街道", _labels(18),
        "王秀英", "13800000001",
    ),
    UnitSpec(
        "huayuan", "华苑小区", "Huayuan Estate", "闵行区 莘庄镇", _labels(12),
        "李建国", "13800000002",
    ),
    UnitSpec(
        "binjiang", "滨江花城", "Binjiang Garden City", "徐汇区 龙华街道", _labels(8),
        "张丽", "13800000003",
    ),
)  # fmt: skip

# sku, category, "name zh|en", "unit zh|en", grams, supermarket price (yuan), care note key
SPECIAL_PRODUCTS: tuple[tuple[str, str, str, str, int, str, str | None], ...] = (
    (COKE_SKU, "drinks", "可口可乐 330ml|Coca-Cola 330ml", "罐|can", 330, "2.50", None),
    ("MT-CHKFEET-500", "meat_eggs", "凤祥 鸡爪 500g|Fengxiang Chicken Feet 500g",
     "盒|tray", 500, "16.90", "chicken_feet"),
    ("MT-CRAYFISH-1KG", "meat_eggs", "盱眙 十三香小龙虾 1kg|Xuyi Thirteen-Spice Crayfish 1kg",
     "盒|box", 1000, "69.90", "crayfish"),
    ("MT-CRAB-4", "meat_eggs", "阳澄湖 大闸蟹 4只装|Yangcheng Lake Hairy Crabs (4)",
     "盒|box", 1000, "199.00", "crab"),
    ("HH-GLOVES-20", "household", "一次性手套 20只|Disposable Gloves (20)",
     "包|pack", 50, "2.00", None),
    ("HH-GLOVES-100", "household", "一次性手套 100只|Disposable Gloves (100)",
     "包|pack", 200, "5.90", None),
    ("HH-OPENER", "household", "开瓶器|Bottle Opener", "个|piece", 30, "5.00", None),
    ("HH-CHOPSTICKS-10", "household", "一次性筷子 10双|Disposable Chopsticks (10 pairs)",
     "包|pack", 80, "2.50", None),
    ("HH-ICEPACK", "household", "保冷冰袋|Ice Pack", "个|piece", 200, "3.00", None),
    ("HH-DETERGENT-80G", "household", "洗衣液 试用装 80g|Laundry Detergent Trial Size 80g",
     "袋|sachet", 80, "2.90", None),
    ("CND-VINEGAR-SACHET", "condiments", "饺子醋 小包装 10g×10|Dumpling Vinegar Sachets 10g × 10",
     "包|pack", 100, "3.00", None),
    ("CND-CRAB-VINEGAR", "condiments", "姜汁蟹醋 小包装 10g×8|Ginger Crab Vinegar Sachets 10g × 8",
     "包|pack", 80, "4.90", None),
    ("BB-WIPES-10", "baby", "婴儿湿巾 便携装 10抽|Baby Wipes Travel Pack (10)",
     "包|pack", 50, "2.50", None),
    ("PC-TOOTHBRUSH-TRAVEL", "personal_care", "旅行牙刷|Travel Toothbrush",
     "支|piece", 20, "3.90", None),
    ("BRK-SOYMILK-30G", "breakfast", "豆浆粉 小袋 30g|Soy Milk Powder Sachet 30g",
     "袋|sachet", 30, "1.50", None),
    ("FRS-SCALLION-100G", "fresh", "小香葱 100g|Spring Onions 100g", "把|bunch", 100, "1.50", None),
)  # fmt: skip

GIFTS: tuple[GiftSpec, ...] = (
    GiftSpec("MT-CHKFEET-500", "HH-GLOVES-20", 1, 1, 300),
    GiftSpec("MT-CRAYFISH-1KG", "HH-GLOVES-20", 1, 2, 200),
    GiftSpec("MT-CRAB-4", "CND-CRAB-VINEGAR", 1, 1, 100),
    GiftSpec("青岛 啤酒 500ml×12", "HH-OPENER", 1, 1, 100),
    GiftSpec("三全 猪肉白菜水饺 1kg", "CND-VINEGAR-SACHET", 1, 1, 200),
    GiftSpec("湾仔码头 三鲜水饺 1kg", "CND-VINEGAR-SACHET", 1, 1, 200),
    GiftSpec("帮宝适 纸尿裤 L码", "BB-WIPES-10", 1, 1, 150),
    GiftSpec("蓝月亮 洗衣液 3kg", "HH-DETERGENT-80G", 1, 2, 200),
    GiftSpec("高露洁 美白牙膏 180g", "PC-TOOTHBRUSH-TRAVEL", 2, 1, 100),
    GiftSpec("海底捞 牛油火锅底料 500g", "HH-CHOPSTICKS-10", 1, 1, 200),
    GiftSpec("科尔沁 肥牛卷 1kg", "HH-ICEPACK", 1, 1, 100),
    GiftSpec("永和 豆浆粉 1kg", "BRK-SOYMILK-30G", 1, 3, 100),
    GiftSpec("金沙河 挂面 1kg", "FRS-SCALLION-100G", 1, 1, 100),
)

PROMOTIONS: tuple[PromoSpec, ...] = (
    PromoSpec(
        code="COKE01", kind="code", name_zh="一毛钱喝可乐", name_en="A Coke for 0.10 yuan",
        benefit="fixed_price_item", product_sku=COKE_SKU, fixed_price_fen=10,
        first_order_only=True, per_customer_limit=1, total_cap=1000,
    ),
    PromoSpec(
        code="NEW20", kind="coupon", name_zh="新人券 满80减20",
        name_en="Welcome coupon: 20 yuan off 80", benefit="amount_off",
        amount_off_fen=2000, min_spend_fen=8000, first_order_only=True,
    ),
    PromoSpec(
        code="ELDER5", kind="coupon", name_zh="长者关爱券 满30减5",
        name_en="Seniors' coupon: 5 yuan off 30", benefit="amount_off",
        amount_off_fen=500, min_spend_fen=3000, for_elderly=True,
    ),
    PromoSpec(
        code="KIDS10", kind="coupon", name_zh="亲子券 满50打九折",
        name_en="Family coupon: 10% off 50", benefit="percent_off",
        percent_off=10, rounding="down", min_spend_fen=5000, for_children=True,
    ),
    PromoSpec(
        code="MOM8", kind="coupon", name_zh="准妈妈免运费券", name_en="Mums-to-be: free delivery",
        benefit="free_shipping", for_pregnant=True,
    ),
)  # fmt: skip


def _pair(text: str) -> tuple[str, str]:
    """``"zh|en"`` → (zh, en); a single part serves both languages."""
    zh, _, en = text.partition("|")
    return zh, en or zh


def _join(*parts: str) -> str:
    """Join the non-empty parts of a name with spaces."""
    return " ".join(part for part in parts if part)


def linli_price(reference_fen: int, rng: random.Random) -> int:
    """5–10% under the supermarket, preferring prices that end in 0, 5 or 9 fen."""
    low = (90 * reference_fen + 99) // 100
    high = 95 * reference_fen // 100
    target = min(max(reference_fen * rng.randint(90, 95) // 100, low), high)
    nice = [fen for fen in range(low, high + 1) if fen % 10 in (0, 5, 9)]
    return min(nice, key=lambda fen: abs(fen - target)) if nice else target


def _shelf_price(fen: int) -> int:
    """Round a computed supermarket price the way shelves show it (x.x0, or x.90 above 10)."""
    fen = max(100, (fen + 5) // 10 * 10)
    return fen // 100 * 100 + 90 if fen >= 1000 else fen


def _care(key: str | None) -> tuple[str | None, str | None]:
    """The care note's two languages, or none."""
    if key is None:
        return None, None
    return CARE_NOTES[key]


def _special_products(rng: random.Random) -> list[ProductSpec]:
    """Hand-placed products: the promo Coke, gift triggers and the gifts themselves."""
    specs = []
    for sku, category, name, unit, grams, yuan, care in SPECIAL_PRODUCTS:
        reference = parse_yuan(yuan)
        (name_zh, name_en), (unit_zh, unit_en) = _pair(name), _pair(unit)
        care_zh, care_en = _care(care)
        specs.append(
            ProductSpec(
                sku, category, name_zh, name_en, unit_zh, unit_en,
                linli_price(reference, rng), reference, grams >= 5000,
                rng.randint(20, 500), care_zh, care_en,
            )
        )  # fmt: skip
    return specs


def _line_products(
    line: Line, prefix: str, start: int, rng: random.Random, brand_factor: dict[str, int]
) -> list[ProductSpec]:
    """Every brand × name × size of one product line, numbered from ``start``."""
    specs = []
    unit_zh, unit_en = _pair(line.unit)
    care_zh, care_en = _care(line.care)
    for name in line.names:
        name_zh, name_en = _pair(name)
        name_factor = rng.randint(95, 105)
        for brand in line.brands:
            brand_zh, brand_en = _pair(brand)
            factor = brand_factor.setdefault(brand, rng.randint(88, 118))
            for size in line.sizes:
                label, grams, yuan = size.split(":")
                size_zh, size_en = _pair(label)
                reference = _shelf_price(parse_yuan(yuan) * factor * name_factor // 10_000)
                specs.append(
                    ProductSpec(
                        sku=f"{prefix}-{start + len(specs):04d}",
                        category=line.category,
                        name_zh=_join(brand_zh, name_zh, size_zh),
                        name_en=_join(brand_en, name_en, size_en),
                        unit_zh=unit_zh,
                        unit_en=unit_en,
                        price_fen=linli_price(reference, rng),
                        reference_price_fen=reference,
                        heavy=int(grams) >= 5000,
                        stock=rng.randint(20, 500),
                        care_note_zh=care_zh,
                        care_note_en=care_en,
                    )
                )
    return specs


@cache
def demo_products() -> tuple[ProductSpec, ...]:
    """The whole demo catalog, identical on every call."""
    rng = random.Random(SEED)
    prefixes = {category.code: category.sku_prefix for category in CATEGORIES}
    numbers = dict.fromkeys(prefixes, 1)
    brand_factor: dict[str, int] = {}
    specs = _special_products(rng)
    for line in LINES:
        made = _line_products(
            line, prefixes[line.category], numbers[line.category], rng, brand_factor
        )
        numbers[line.category] += len(made)
        specs.extend(made)
    return tuple(specs)


def pick_deals(priced: list[tuple[str, int]], day: dt.date) -> list[tuple[str, int]]:
    """The day's deals zone: (sku, deal price) for DEALS_PER_DAY products, 12–30% off.

    Seeded by the date, so the list is stable within a day and changes from day to day.
    """
    rng = random.Random(f"{SEED}-deals-{day.isoformat()}")
    eligible = sorted((sku, price) for sku, price in priced if price >= 200)
    chosen = rng.sample(eligible, min(DEALS_PER_DAY, len(eligible)))
    return [(sku, min(price - 1, price * rng.randint(70, 88) // 100)) for sku, price in chosen]
