"""The fault taxonomy and the Chinese texts of requests: subjects, descriptions, root causes, parts.

`FAULTS` is the tree (code, parent, Chinese name, English name). `LEAVES` say what a request in that
category looks like. Domains: "vehicle" (4S dealerships) and "appliance" (service centres).
"""

from __future__ import annotations

from dataclasses import dataclass

FAULTS: tuple[tuple[str, str | None, str, str], ...] = (
    ("engine", None, "发动机", "Engine"),
    ("engine-warning", "engine", "发动机故障灯", "Engine warning light"),
    ("engine-noise", "engine", "发动机异响抖动", "Engine noise and vibration"),
    ("engine-oil-leak", "engine", "发动机漏油", "Engine oil leak"),
    ("transmission", None, "变速箱", "Transmission"),
    ("gear-shift", "transmission", "换挡顿挫", "Rough gear shifting"),
    ("electrical", None, "电气系统", "Electrical system"),
    ("battery-drain", "electrical", "蓄电池亏电", "Battery drain"),
    ("infotainment", "electrical", "车机系统", "Infotainment system"),
    ("air-conditioning", None, "空调", "Air conditioning"),
    ("vehicle-ac", "air-conditioning", "汽车空调", "Vehicle air conditioning"),
    ("home-ac-cooling", "air-conditioning", "家用空调不制冷", "Home A/C not cooling"),
    ("home-ac-leak", "air-conditioning", "家用空调漏水", "Home A/C water leak"),
    ("brakes", None, "制动", "Brakes"),
    ("brake-noise", "brakes", "刹车异响", "Brake noise"),
    ("brake-wear", "brakes", "刹车片磨损", "Brake pad wear"),
    ("body", None, "车身", "Body"),
    ("paint", "body", "漆面", "Paint"),
    ("glass-seal", "body", "玻璃与密封", "Glass and seals"),
    ("ev-system", None, "三电系统", "EV power system"),
    ("ev-charging", "ev-system", "充电故障", "Charging fault"),
    ("fridge", None, "冰箱", "Refrigerator"),
    ("fridge-cooling", "fridge", "冰箱制冷", "Refrigerator cooling"),
    ("fridge-noise", "fridge", "冰箱异响", "Refrigerator noise"),
    ("washer", None, "洗衣机", "Washing machine"),
    ("washer-drain", "washer", "洗衣机排水", "Washer drainage"),
    ("washer-spin", "washer", "洗衣机脱水异响", "Washer spin and noise"),
    ("maintenance", None, "保养", "Maintenance"),
    ("routine-service", "maintenance", "定期保养", "Routine service"),
    ("appliance-cleaning", "maintenance", "清洗保养", "Cleaning service"),
    ("installation", None, "安装", "Installation"),
    ("appliance-install", "installation", "家电安装", "Appliance installation"),
    ("accessory-install", "installation", "加装配件", "Accessory fitting"),
    ("general", None, "综合", "General"),
    ("warranty-policy", "general", "保修政策", "Warranty policy"),
    ("service-quality", "general", "服务质量", "Service quality"),
)


@dataclass(frozen=True)
class Leaf:
    code: str
    domain: str  # vehicle | appliance | any
    weight: float  # share among the domain's repair faults
    subjects: tuple[str, ...]
    details: tuple[str, ...]  # first sentence of the description, after the product
    causes: tuple[tuple[str, int], ...]  # (root-cause code, weight)
    parts: tuple[tuple[str, str, int, int], ...]  # (part number, description, min CNY, max CNY)
    summer: float = 1.0  # weight factor in June–August
    winter: float = 1.0  # weight factor in December–February
    only: tuple[str, ...] = ()  # product model codes it applies to (empty = all of the domain)


L = Leaf
REPAIR_LEAVES: tuple[Leaf, ...] = (
    L(
        "engine-warning",
        "vehicle",
        10,
        ("发动机故障灯亮", "仪表盘发动机故障灯常亮", "发动机故障灯闪烁，动力下降"),
        ("行驶中发动机故障灯亮起", "冷车启动后故障灯常亮不灭", "加速无力，同时故障灯闪烁"),
        (("RC-SENSOR", 5), ("RC-WIRING", 2), ("RC-SOFTWARE", 2), ("RC-USER", 1)),
        (
            ("EG-O2S-2210", "氧传感器", 380, 680),
            ("EG-IGC-1403", "点火线圈", 260, 420),
            ("EG-SPK-0007", "火花塞", 45, 90),
        ),
    ),
    L(
        "engine-noise",
        "vehicle",
        6,
        ("发动机异响", "怠速抖动明显", "冷启动有哒哒声"),
        ("怠速时方向盘和座椅抖动明显", "冷车启动时发动机舱有异响", "高速行驶时发动机声音异常"),
        (("RC-WEAR", 4), ("RC-COMPONENT", 3), ("RC-SENSOR", 1)),
        (
            ("EG-MNT-3310", "发动机脚垫", 320, 560),
            ("EG-BLT-1120", "正时皮带", 420, 780),
            ("EG-TEN-1121", "张紧轮", 180, 320),
        ),
    ),
    L(
        "engine-oil-leak",
        "vehicle",
        4,
        ("发动机漏油", "车位地面有油迹"),
        ("停车后地面有油渍，机油消耗偏快", "发动机底部有油迹渗出"),
        (("RC-SEAL", 6), ("RC-WEAR", 2)),
        (("EG-GSK-2201", "气门室盖垫", 120, 260), ("EG-SEA-2202", "曲轴油封", 90, 180)),
    ),
    L(
        "gear-shift",
        "vehicle",
        7,
        ("变速箱换挡顿挫", "挂挡有冲击感", "D 挡起步顿挫"),
        ("低速换挡时有明显顿挫", "从 P 挡挂 D 挡时车身冲击明显"),
        (("RC-SOFTWARE", 5), ("RC-COMPONENT", 2), ("RC-WEAR", 1)),
        (("TM-ATF-0400", "变速箱油", 65, 110), ("TM-VLV-1880", "阀体总成", 2600, 4800)),
    ),
    L(
        "battery-drain",
        "vehicle",
        7,
        ("车辆无法启动", "蓄电池亏电", "停放两天后打不着火"),
        ("停放一夜后无法启动，需要搭电", "仪表提示蓄电池电量低"),
        (("RC-WEAR", 3), ("RC-USER", 3), ("RC-WIRING", 2), ("RC-SOFTWARE", 1)),
        (("EL-BAT-6012", "12V 蓄电池", 580, 980),),
        winter=2.0,
    ),
    L(
        "infotainment",
        "vehicle",
        7,
        ("车机黑屏", "中控屏死机重启", "手机互联无法连接", "倒车影像不显示"),
        ("中控屏频繁黑屏重启", "蓝牙和手机互联连接不上", "挂倒挡后倒车影像无画面"),
        (("RC-SOFTWARE", 6), ("RC-WIRING", 2), ("RC-COMPONENT", 1)),
        (("EL-HU-7700", "中控主机", 2800, 5200), ("EL-CAM-7710", "倒车摄像头", 380, 760)),
    ),
    L(
        "vehicle-ac",
        "vehicle",
        7,
        ("空调不制冷", "空调出风有异味", "空调制冷效果差"),
        ("开启空调后出风不凉", "空调出风口有霉味", "怠速时空调制冷明显变差"),
        (("RC-LEAK", 4), ("RC-COMPONENT", 2), ("RC-USER", 1)),
        (
            ("AC-REF-0134", "R134a 冷媒", 120, 260),
            ("AC-FLT-0520", "空调滤芯", 60, 140),
            ("AC-CMP-5500", "空调压缩机", 2200, 3900),
        ),
        summer=2.5,
    ),
    L(
        "brake-noise",
        "vehicle",
        6,
        ("刹车异响", "制动时有尖叫声"),
        ("低速踩刹车时有尖锐异响", "刹车时方向盘抖动"),
        (("RC-WEAR", 5), ("RC-USER", 1)),
        (("BR-PAD-2001", "前刹车片", 320, 560), ("BR-DSC-2002", "前刹车盘", 480, 860)),
    ),
    L(
        "brake-wear",
        "vehicle",
        4,
        ("刹车片报警", "仪表提示刹车片磨损"),
        ("仪表盘刹车片磨损报警灯亮", "保养时发现刹车片厚度不足"),
        (("RC-WEAR", 8),),
        (("BR-PAD-2001", "前刹车片", 320, 560), ("BR-PAD-2003", "后刹车片", 280, 480)),
    ),
    L(
        "paint",
        "vehicle",
        3,
        ("漆面起泡", "车门漆面脱落"),
        ("左前门下沿漆面起泡", "发动机盖漆面出现裂纹"),
        (("RC-MANUFACTURING", 3), ("RC-USER", 2)),
        (("BD-PNT-9001", "局部喷漆", 600, 1500),),
    ),
    L(
        "glass-seal",
        "vehicle",
        4,
        ("车窗漏水", "天窗漏水", "高速风噪大"),
        ("下雨后脚垫潮湿", "天窗排水不畅导致漏水", "高速行驶时车门处风噪明显"),
        (("RC-SEAL", 6), ("RC-INSTALL", 1)),
        (("BD-SEA-4410", "车门密封条", 160, 320), ("BD-DRN-4420", "天窗排水管", 90, 180)),
    ),
    L(
        "ev-charging",
        "vehicle",
        6,
        ("无法充电", "充电桩提示故障", "充电速度慢"),
        ("插上充电枪后无法开始充电", "快充功率明显偏低"),
        (("RC-SOFTWARE", 4), ("RC-COMPONENT", 2), ("RC-USER", 2)),
        (("EV-OBC-1100", "车载充电机", 3800, 6800), ("EV-PRT-1120", "充电口总成", 900, 1600)),
        only=("yh-e6",),
    ),
    L(
        "fridge-cooling",
        "appliance",
        12,
        ("冰箱不制冷", "冷藏室温度偏高", "冰箱结霜严重"),
        ("冷藏室食物变质，温度降不下来", "冷冻室后壁结了很厚的霜", "压缩机一直运转但不制冷"),
        (("RC-LEAK", 3), ("RC-SENSOR", 3), ("RC-COMPONENT", 2), ("RC-USER", 1)),
        (
            ("FR-SNS-0310", "温度传感器", 45, 90),
            ("FR-FAN-0320", "冷冻风扇电机", 120, 220),
            ("FR-CMP-0330", "压缩机", 680, 1200),
        ),
        summer=1.5,
    ),
    L(
        "fridge-noise",
        "appliance",
        7,
        ("冰箱异响", "冰箱嗡嗡声大", "冰箱夜间有咔咔声"),
        ("晚上运行时有明显嗡嗡声", "开关门后内部有咔咔异响"),
        (("RC-COMPONENT", 3), ("RC-INSTALL", 2), ("RC-USER", 1)),
        (("FR-FAN-0320", "冷冻风扇电机", 120, 220), ("FR-PAD-0340", "减震脚垫", 15, 40)),
    ),
    L(
        "washer-drain",
        "appliance",
        9,
        ("洗衣机不排水", "洗衣机排水慢", "洗衣机报 E21 故障"),
        ("洗涤结束后桶内积水排不出去", "显示 E21 故障代码，排水很慢"),
        (("RC-USER", 4), ("RC-COMPONENT", 3), ("RC-INSTALL", 1)),
        (("WM-PMP-0410", "排水泵", 90, 180), ("WM-HSE-0420", "排水管", 30, 60)),
    ),
    L(
        "washer-spin",
        "appliance",
        8,
        ("洗衣机脱水异响", "脱水时剧烈晃动", "滚筒不转"),
        ("脱水时机身剧烈晃动并发出撞击声", "滚筒不转，面板显示正常"),
        (("RC-WEAR", 3), ("RC-INSTALL", 2), ("RC-COMPONENT", 2)),
        (
            ("WM-BRG-0430", "滚筒轴承", 160, 320),
            ("WM-BLT-0440", "电机皮带", 40, 80),
            ("WM-BRD-0450", "电脑板", 260, 480),
        ),
    ),
    L(
        "home-ac-cooling",
        "appliance",
        10,
        ("空调不制冷", "空调制冷效果差", "空调开机一会儿就停"),
        ("开机半小时室温仍不下降", "外机运转但室内机吹自然风", "开机几分钟后自动停机"),
        (("RC-LEAK", 4), ("RC-COMPONENT", 2), ("RC-INSTALL", 2), ("RC-USER", 1)),
        (
            ("AC-R32-0032", "R32 冷媒", 150, 300),
            ("AC-CAP-0610", "启动电容", 35, 70),
            ("AC-BRD-0620", "室外机主板", 380, 720),
        ),
        summer=3.0,
    ),
    L(
        "home-ac-leak",
        "appliance",
        5,
        ("空调漏水", "室内机滴水"),
        ("室内机出风口下方持续滴水", "制冷时墙面被水渗湿"),
        (("RC-INSTALL", 4), ("RC-USER", 1), ("RC-COMPONENT", 1)),
        (("AC-DRN-0630", "排水管", 25, 60),),
        summer=2.5,
    ),
)

_LEAVES_BY_CODE = {leaf.code: leaf for leaf in REPAIR_LEAVES}


def leaf(code: str) -> Leaf:
    return _LEAVES_BY_CODE[code]


# Requests that are not repairs: (domain, kind) → (fault category code or None, subjects, details).
KIND_TEXTS: dict[tuple[str, str], tuple[str | None, tuple[str, ...], tuple[str, ...]]] = {
    ("vehicle", "maintenance"): (
        "routine-service",
        ("预约常规保养", "5000 公里常规保养", "预约年度保养", "更换机油机滤"),
        ("客户预约到店做常规保养", "里程已到保养周期，预约更换机油机滤", "保养提醒到期，预约到店保养"),
    ),
    ("appliance", "maintenance"): (
        "appliance-cleaning",
        ("{family}清洗保养", "{family}深度清洁"),
        ("客户预约上门清洗保养", "使用多年，申请深度清洗"),
    ),
    ("vehicle", "installation"): (
        "accessory-install",
        ("加装行车记录仪", "安装原厂脚垫和挡泥板", "加装充电桩"),
        ("客户购买原厂配件，预约到店安装", "新车提车后预约加装"),
    ),
    ("appliance", "installation"): (
        "appliance-install",
        ("新机安装预约", "{family}安装调试", "{family}送装"),
        ("新购机器已送达，预约上门安装", "搬家后需要移机安装"),
    ),
    ("vehicle", "inquiry"): (
        "warranty-policy",
        ("咨询保修政策", "咨询保养周期", "咨询延保价格", "询问维修进度"),
        ("客户来电咨询整车保修范围", "客户想了解延保服务的价格和条款", "客户询问车辆维修进度"),
    ),
    ("appliance", "inquiry"): (
        "warranty-policy",
        ("咨询保修期限", "咨询以旧换新", "询问配件价格", "询问上门服务时间"),
        ("客户咨询整机保修期限和发票要求", "客户询问过保后维修的收费标准"),
    ),
    ("vehicle", "complaint"): (
        "service-quality",
        ("投诉维修等待时间过长", "投诉服务顾问态度", "投诉同一故障多次维修未修好"),
        ("客户对维修进度不满，要求尽快给出答复", "客户反映到店后等待时间过长"),
    ),
    ("appliance", "complaint"): (
        "service-quality",
        ("投诉上门迟到", "投诉维修收费不透明", "投诉安装师傅未按时到达"),
        ("客户反映师傅未在约定时间上门", "客户对收费项目有疑问，要求解释"),
    ),
}

FAMILY_NAMES = {"fridge": "冰箱", "washer": "洗衣机", "aircon": "空调", "car": "车辆"}
RETURN_SUBJECTS = {
    "vehicle": ("申请三包退换：{subject}", "新车质量问题：{subject}"),
    "appliance": ("申请退换货：{subject}", "新机故障要求换机：{subject}"),
}

REPLIES = (
    "您好，已收到您的服务请求，我们的专员将尽快与您联系。",
    "您好，我们已安排技术人员跟进，请保持电话畅通。",
    "您好，初步判断需要到店检测，已为您预留工位。",
    "您好，已为您登记，稍后会电话确认具体时间。",
)
CALL_SUMMARIES = ("已电话联系客户，确认故障现象", "客户到店，服务顾问已接待并登记", "已回电说明处理流程")
NOTES = (
    "已查询维修记录，此前有同类问题，需重点检查。",
    "配件库存不足，已向区域仓申请调拨。",
    "客户为老客户，注意回访。",
    "已与技术经理确认处理方案。",
)
RESOLVED_REPLIES = (
    "您好，您反映的问题已处理完毕，如有疑问请随时联系我们。",
    "您好，服务已完成，感谢您的耐心等待，欢迎对本次服务进行评价。",
)
PROGRESS_REPLIES = ("您好，配件已到货，预计明天完成维修。", "您好，检测已完成，正在安排维修。")
CUSTOMER_REPLIES = ("好的，照片已上传，请尽快处理。", "明天上午可以，谢谢。", "收到，我周末有空。")
WAIT_NOTES = {
    "pending_customer": ("等待客户提供故障照片", "等待客户确认上门时间", "等待客户确认维修报价"),
    "pending_parts": ("等待配件到货：{part}", "配件调拨中：{part}"),
}
REOPEN_REASONS = ("故障再次出现", "维修后问题未彻底解决", "同一位置又出现异响")
CANCEL_REASONS = ("客户取消服务", "重复登记的请求", "客户已自行解决")
VISIT_REPORTS = (
    "已上门检测，{action}，试机运行正常。",
    "到达现场后检查，{action}，已向客户演示使用方法。",
)
ROADSIDE = "道路救援：{city}{street}附近"

KIND_NOTES = {
    "maintenance": "已按保养手册完成保养项目，车辆/设备状态良好，已提醒下次保养时间。",
    "installation": "已完成安装调试，并向客户讲解使用与保养注意事项。",
    "complaint": "已向客户致歉并说明处理结果，客户表示理解，已安排回访。",
    "inquiry": "已向客户详细解答，客户表示满意。",
}
OUTCOME_NOTES = {
    "repair": "检测确认为{cause_text}，已更换/维修相关部件，测试正常。",
    "replacement": "经检测无法修复，已为客户办理换新，新机序列号已登记。",
    "refund": "符合三包退货条件，已为客户办理退款。",
    "no_fault_found": "多次测试未能复现故障，已向客户说明并建议继续观察。",
    "advice": "已向客户详细解释，客户表示满意。",
}
CAUSE_TEXTS = {
    "RC-SENSOR": "传感器故障",
    "RC-WIRING": "线束接触不良",
    "RC-USER": "使用不当",
    "RC-SOFTWARE": "软件问题，已升级程序",
    "RC-WEAR": "部件正常磨损",
    "RC-LEAK": "系统泄漏",
    "RC-SEAL": "密封件老化",
    "RC-COMPONENT": "零部件质量问题",
    "RC-INSTALL": "安装不规范",
    "RC-MANUFACTURING": "生产工艺缺陷",
    "RC-SERVICE": "服务流程问题",
    "RC-NFF": "未发现故障",
}

# Parts of work that is not a repair: (part number, description, min CNY, max CNY, quantity).
SERVICE_PARTS = {
    ("vehicle", "maintenance"): (
        ("MT-OIL-5W30", "全合成机油 5W-30（升）", 68, 98, "4.5"),
        ("MT-FLT-0100", "机油滤清器", 45, 80, "1"),
        ("MT-AIR-0200", "空气滤清器", 60, 120, "1"),
    ),
    ("vehicle", "installation"): (("AC-DVR-0100", "原厂行车记录仪", 399, 899, "1"),),
    ("appliance", "installation"): (("IN-KIT-0100", "安装辅材（铜管、支架）", 80, 260, "1"),),
}

# A complaint's root cause and the corrective measure taken so it does not happen again.
COMPLAINT_CAUSES = (
    (
        "预约排期未考虑配件到货时间，客户到店后等待超过两小时",
        "预约时先确认配件库存，缺件时提前电话告知客户改期",
    ),
    ("服务顾问未及时回电告知维修进度", "维修进度节点自动短信通知；服务顾问每日下班前回访在修客户"),
    ("上次维修未彻底排除故障，返修", "返修车辆由技术经理复检签字后交车，纳入技师月度考核"),
    ("上门技师未按约定时间到达，且未提前告知", "派工系统提前 30 分钟提醒技师，迟到须主动致电客户"),
    ("收费项目解释不清，客户对工时费有疑问", "结算前逐项向客户说明，报价单由客户签字确认"),
    ("交车时车辆内饰未清洁", "交车前增加清洁检查项，由质检员确认"),
    ("服务顾问沟通态度生硬", "开展服务礼仪培训，纳入服务顾问绩效考核"),
    ("延保条款宣传与实际不符", "统一延保宣传资料，销售与售后共同培训条款"),
)
