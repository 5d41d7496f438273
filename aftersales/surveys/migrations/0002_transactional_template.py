"""The transactional survey sent after a request is resolved: CSAT, NPS, CES and a free-text comment."""

from django.db import migrations

ITEMS = [
    (1, "csat", "对本次服务满意吗？", "How satisfied were you with this service?", True),
    (2, "nps", "您向亲友推荐我们的可能性有多大？", "How likely are you to recommend us to a friend or relative?", True),
    (3, "ces", "我的问题处理起来很容易。", "The company made it easy to handle my request.", True),
    (4, "text", "还有什么想告诉我们的吗？", "Is there anything else you would like to tell us?", False),
]


def create(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    SurveyItem = apps.get_model("surveys", "SurveyItem")
    if SurveyTemplate.objects.filter(code="transactional").exists():
        return
    template = SurveyTemplate.objects.create(code="transactional", name="服务满意度回访", version=1, active=True)
    SurveyItem.objects.bulk_create(
        SurveyItem(template=template, order=order, kind=kind, wording_zh=zh, wording_en=en, required=required)
        for order, kind, zh, en, required in ITEMS
    )


def remove(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    SurveyTemplate.objects.filter(code="transactional", version=1, invitations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
