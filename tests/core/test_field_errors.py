import pytest
from django.core.exceptions import ValidationError

from guanxi.core.errors import FieldErrors


def test_the_errors_of_several_checks_are_raised_together_under_their_fields() -> None:
    errors = FieldErrors()
    with errors.check():
        raise ValidationError({"name": ["Too long."]})
    with errors.check(prefix="contact_"):
        raise ValidationError({"mobile": ["Not a mobile."]})
    with errors.check():
        pass  # a check that passes adds nothing
    errors.add("name", "Already taken.")
    with pytest.raises(ValidationError) as raised:
        errors.raise_any()
    assert raised.value.message_dict == {"name": ["Too long.", "Already taken."], "contact_mobile": ["Not a mobile."]}


def test_no_errors_raise_nothing() -> None:
    FieldErrors().raise_any()
