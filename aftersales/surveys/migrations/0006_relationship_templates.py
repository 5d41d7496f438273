"""The relationship survey templates of the three campaign topics (S2 第八条): recommendation (NPS),
overall satisfaction (CSAT), one or two ratings and an optional comment, in Chinese and English."""

from django.db import migrations

TEMPLATES = {
    "relationship_product": (
        "产品质量关系调研",
        [
            ("nps", "您向亲友推荐我们产品的可能性有多大？", "How likely are you to recommend our products to a friend or relative?", True),
            ("csat", "总体而言，您对我们的产品质量满意吗？", "Overall, how satisfied are you with the quality of our products?", True),
            ("rating", "产品的可靠性（故障少、经久耐用）", "Reliability of the product (few faults, lasts long)", True),
            ("text", "关于产品质量，您还有什么想告诉我们的？", "Is there anything else about product quality you would like to tell us?", False),
        ],
    ),
    "relationship_service": (
        "售后服务关系调研",
        [
            ("nps", "您向亲友推荐我们售后服务的可能性有多大？", "How likely are you to recommend our after-sales service to a friend or relative?", True),
            ("csat", "总体而言，您对我们的售后服务满意吗？", "Overall, how satisfied are you with our after-sales service?", True),
            ("rating", "服务人员的专业程度", "Professionalism of our service staff", True),
            ("rating", "响应与处理的及时性", "How quickly we respond and fix problems", True),
            ("text", "关于售后服务，您还有什么想告诉我们的？", "Is there anything else about our service you would like to tell us?", False),
        ],
    ),
    "relationship_partners": (
        "经销商与服务网点关系调研",
        [
            ("nps", "您向亲友推荐为您服务的经销商或服务网点的可能性有多大？", "How likely are you to recommend the dealer or service point that serves you?", True),
            ("csat", "总体而言，您对该经销商或服务网点满意吗？", "Overall, how satisfied are you with this dealer or service point?", True),
            ("rating", "网点的便利程度与环境", "Convenience and facilities of the dealer or service point", True),
            ("text", "关于经销商或服务网点，您还有什么建议？", "Any suggestion for the dealer or service point?", False),
        ],
    ),
}


def create(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    SurveyItem = apps.get_model("surveys", "SurveyItem")
    for code, (name, items) in TEMPLATES.items():
        if SurveyTemplate.objects.filter(code=code).exists():
            continue
        template = SurveyTemplate.objects.create(code=code, name=name, version=1, active=True)
        SurveyItem.objects.bulk_create(
            SurveyItem(template=template, order=order, kind=kind, wording_zh=zh, wording_en=en, required=required)
            for order, (kind, zh, en, required) in enumerate(items, start=1)
        )


def remove(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    SurveyTemplate.objects.filter(code__in=list(TEMPLATES), version=1, invitations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0005_campaigns")]

    operations = [migrations.RunPython(create, remove)]
