"""What the partner tells the customer at the door about special products, in zh and en."""

from __future__ import annotations

CARE_NOTES: dict[str, tuple[str, str]] = {
    "jujube": (
        "每天7颗最好，吃多了胀气，湿热体质不宜",
        "About 7 a day is best; more causes bloating. Not for damp-heat constitutions.",
    ),
    "goji": (
        "每天一小把（约10克）就够；感冒发烧、腹泻时先别吃",
        "A small handful (about 10 g) a day is enough; skip it during a cold, fever or diarrhoea.",
    ),
    "longan": (
        "性温易上火，每天几颗即可；孕妇和上火时少吃",
        "Warming and 'heaty': a few a day; go easy when pregnant or already feeling heaty.",
    ),
    "white_fungus": (
        "泡发后当天煮完，隔夜的银耳汤不要喝",
        "Cook it the day you soak it; don't drink white-fungus soup left overnight.",
    ),
    "black_fungus": (
        "冷水泡发不超过4小时，泡久了会变质产生毒素；泡发后当天吃完",
        "Soak in cold water for at most 4 hours (longer can turn it toxic); eat it the same day.",
    ),
    "lotus_seeds": (
        "便秘、腹胀时少吃；中间绿色的莲心很苦，可以去掉",
        "Eat little when constipated or bloated; pick out the bitter green germ if you like.",
    ),
    "walnuts": (
        "每天2–3个就够，油脂高，吃多了容易胖、上火",
        "Two or three a day is enough; they are oily, so more adds weight and 'heat'.",
    ),
    "honey": (
        "一岁以下宝宝不能吃蜂蜜；用温水冲，不要用开水",
        "Never give honey to babies under one; stir it into warm, not boiling, water.",
    ),
    "sesame": (
        "芝麻糊偏甜，糖尿病人少喝；腹泻时不宜",
        "It is sweetened: diabetics should have little; avoid during diarrhoea.",
    ),
    "mung_beans": (
        "绿豆性寒，脾胃虚寒、容易拉肚子的人少吃；吃中药期间别大量喝绿豆汤",
        "Cooling: eat little with a weak, cold stomach; no big bowls of it on herbal medicine.",
    ),
    "jobs_tears": (
        "孕妇慎食；性偏寒，体质虚寒的人不宜长期吃",
        "Pregnant women should avoid it; it is cooling, so not for daily use by the cold-natured.",
    ),
    "herbal_tea": (
        "凉茶偏寒，孕妇、经期和脾胃虚寒的人少喝",
        "Cooling: drink little when pregnant, during your period or with a weak stomach.",
    ),
    "coffee": (
        "孕妇每天不超过一杯；下午三点以后喝可能影响睡眠",
        "Pregnant women: at most one a day; after 3 pm it may spoil your sleep.",
    ),
    "hawthorn": (
        "孕妇慎食；不要空腹吃，胃酸多的人少吃",
        "Pregnant women should avoid it; not on an empty stomach; go easy with acid reflux.",
    ),
    "jelly": (
        "小朋友要坐着小口吃，3岁以下不要吸食，小心噎住",
        "Children should eat it sitting down in small bites; no sucking it under 3, it can choke.",
    ),
    "persimmon": (
        "不要空腹吃，不要和螃蟹一起吃，一次一两个就好",
        "Not on an empty stomach and never with crab; one or two at a time.",
    ),
    "mango": (
        "过敏体质慎食，吃完把嘴角擦干净；一次别吃太多",
        "Careful if prone to allergies; wipe your mouth after eating; not too many at once.",
    ),
    "durian": (
        "性热易上火，一次两三块；不要和酒一起吃，糖尿病人少吃",
        "Very 'heaty': two or three pieces at a time; never with alcohol; diabetics eat little.",
    ),
    "lychee": (
        "一次别超过10颗，空腹多吃容易低血糖（荔枝病）",
        "No more than about 10 at a time; many on an empty stomach can cause low blood sugar.",
    ),
    "pineapple": (
        "切块后用淡盐水泡10分钟再吃，不扎嘴",
        "Soak the pieces in lightly salted water for 10 minutes to stop the tingling.",
    ),
    "bitter_melon": (
        "性寒，脾胃虚寒的人和孕妇少吃；先焯水可以去苦味",
        "Cooling: eat little with a weak stomach or when pregnant; blanching eases the bitterness.",
    ),
    "yam": (
        "削皮时戴手套，黏液沾手会痒；痒了用醋洗手",
        "Wear gloves to peel it, the sap makes hands itch; rinse with vinegar if it does.",
    ),
    "fresh_meat": (
        "到家尽快冷藏，2天内吃完；吃不完分小份冷冻",
        "Refrigerate as soon as you are home and eat within 2 days, or freeze in small portions.",
    ),
    "eggs": (
        "到家放冰箱冷藏，大头朝上；有裂纹的先吃，不要生吃",
        "Keep them in the fridge, blunt end up; use cracked ones first and never eat them raw.",
    ),
    "milk": (
        "乳糖不耐受的人可以少量多次喝，或选零乳糖牛奶；别空腹大量喝",
        "Lactose-intolerant? Sip a little at a time or buy lactose-free; not on an empty stomach.",
    ),
    "yogurt": (
        "冷藏保存，开封后当天喝完；不要加热",
        "Keep it chilled, finish it the day you open it, and don't heat it.",
    ),
    "dumplings": (
        "不用解冻，水开后直接下锅，中途点两次凉水",
        "Cook from frozen: drop into boiling water and add a splash of cold water twice.",
    ),
    "tangyuan": (
        "糯米不好消化，老人小孩一次少吃几个；糖尿病人慎食",
        "Glutinous rice is hard to digest: the elderly and children should eat only a few.",
    ),
    "low_sodium_salt": (
        "低钠盐含钾，肾病、高血钾的人先问医生再用",
        "Contains potassium: ask your doctor first if you have kidney disease or high potassium.",
    ),
    "bleach": (
        "84消毒液千万不要和洁厕灵混用，会产生有毒氯气；稀释后用，开窗通风",
        "Never mix bleach with toilet cleaner: it gives off toxic chlorine. Dilute; open a window.",
    ),
    "formula": (
        "按罐上比例冲调，水温40–50℃，现冲现喝，喝剩的不要留到下一顿",
        "Mix exactly as the tin says at 40–50 °C; make each feed fresh and throw away leftovers.",
    ),
    "rice_cereal": (
        "6个月以上宝宝再添加，第一次少量，观察3天有没有过敏",
        "For babies over 6 months; start with a little and watch for allergies for three days.",
    ),
    "crab": (
        "一定要蒸熟蒸透（水开后15分钟以上）；不要和柿子、浓茶同吃；蟹心蟹腮不要吃",
        "Steam it through (15+ minutes after the boil); not with persimmon or strong tea; "
        "discard the heart and gills.",
    ),
    "crayfish": (
        "已经煮熟，冷藏后当天吃完；痛风、海鲜过敏的人慎食",
        "Ready-cooked: keep chilled and eat the same day; careful with gout or shellfish allergy.",
    ),
    "chicken_feet": (
        "冷藏2天内吃完；先焯水再卤更干净",
        "Keep chilled and eat within 2 days; blanch before braising for a cleaner taste.",
    ),
}
