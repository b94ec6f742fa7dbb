"""The form renderer writes a select's options itself: the HTML must be the one Django's templates write."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from guanxi.core.renderers import FormRenderer


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Any"), ("a", "A & <b>"), (3, 3), ("q", 'say "hi"')], required=False)
    grouped = forms.ChoiceField(choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("x", "Loose")])
    many = forms.MultipleChoiceField(choices=[("1", "一"), ("2", "二"), ("3", mark_safe("<i>三</i>"))])
    flagged = forms.ChoiceField(
        choices=[("y", "Yes"), ("n", "No")],
        widget=forms.Select(attrs={"class": "form-select", "data-on": True, "data-off": False, "title": "<&>"}),
        disabled=True,
    )
    radio = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


def test_a_select_renders_as_djangos_templates_render_it() -> None:
    data = {"plain": "a", "grouped": "pear", "many": ["1", "3"], "flagged": "n", "radio": "b"}
    for bound in (Everything(), Everything(data)):
        for name in Everything.base_fields:
            fast = bound[name].as_widget(attrs={"class": "x"}) if name != "flagged" else bound[name].as_widget()
            bound.renderer = DjangoTemplates()
            reference = bound[name].as_widget(attrs={"class": "x"}) if name != "flagged" else bound[name].as_widget()
            bound.renderer = FormRenderer()
            assert fast == reference, name
    assert "<option" in str(Everything()["grouped"])
