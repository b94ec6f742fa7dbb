"""The credit rating becomes the credit assessment's A–E scale: the five shipped grades (AAA, AA, A, B, C) move
one for one onto A–E, on the customers and in the dictionary (a grade an administrator renamed keeps its name)."""

from django.db import migrations

# in this order, so that no code is taken twice on the way
MOVES = [("c", "e"), ("b", "d"), ("a", "c"), ("aa", "b"), ("aaa", "a")]
OLD_LABELS = {"aaa": "AAA excellent", "aa": "AA good", "a": "A fair", "b": "B poor", "c": "C bad"}
NEW_LABELS = {"a": "A excellent", "b": "B good", "c": "C fair", "d": "D poor", "e": "E bad"}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Customer = apps.get_model("customers", "Customer")
    DictionaryType = apps.get_model("core", "DictionaryType")
    for old, new in MOVES:
        Customer.objects.filter(credit_rating=old).update(credit_rating=new)
    kind = DictionaryType.objects.filter(code="credit_rating").first()
    if kind is None:
        return
    for old, new in MOVES:
        item = kind.items.filter(code=old).first()
        if item is None or kind.items.filter(code=new).exists():
            continue
        item.code = new
        if item.label == OLD_LABELS[old]:
            item.label = NEW_LABELS[new]
        item.save(update_fields=["code", "label"])
    kind.seeded_codes = sorted({*NEW_LABELS, *(code for code in kind.seeded_codes if code not in OLD_LABELS)})
    kind.save(update_fields=["seeded_codes"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0014_channel_partners"), ("core", "0008_outbox_event")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
