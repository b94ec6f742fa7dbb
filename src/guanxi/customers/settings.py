"""The customer module's parameters (SPEC §2.2: which fields are required is the company's choice)."""

from django.utils.translation import gettext_lazy

from guanxi.core.config.parameters import register_parameter, register_parameter_group

# Fields a company may make required besides the name (the seed's red stars), as the form labels them.
REQUIRABLE = [
    ("industry", gettext_lazy("Industry")),
    ("source", gettext_lazy("Source")),
    ("nature", gettext_lazy("Company nature")),
    ("level", gettext_lazy("Level")),
    ("province", gettext_lazy("Region")),
    ("address", gettext_lazy("Address")),
    ("phone", gettext_lazy("Phone")),
    ("email", gettext_lazy("E-mail")),
    ("tax_number", gettext_lazy("Tax number")),
    ("legal_representative", gettext_lazy("Legal representative")),
    ("contact_name", gettext_lazy("Contact name")),
    ("contact_mobile", gettext_lazy("Contact mobile")),
]


def register() -> None:
    register_parameter_group("customers", gettext_lazy("Customers"), order=15)
    register_parameter(
        "customers.required_fields",
        gettext_lazy("Required customer fields besides the name"),
        "multi",
        [],
        group="customers",
        choices=REQUIRABLE,
        help=gettext_lazy("A region also requires the city and the county."),
    )
