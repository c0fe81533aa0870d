"""Reading a reported value: what a liaison typed in the form or put in a cell of the
XLSX template, checked against its figure's rules (a number, no more decimal places than
the figure allows, not below its smallest nor above its largest value). The form, the
upload and the services all read values here, so they refuse the same things with the
same words."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import FigureDefinition


class InvalidValue(Exception):
    """A value its figure does not accept; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_value(definition: FigureDefinition, raw) -> Decimal | None:
    """``raw`` (text, a number or None) as the figure's value; None when blank. Raises
    ``InvalidValue`` with a message in the user's language."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise InvalidValue(_("Enter a number."))
    if isinstance(raw, float):
        raw = repr(raw)
    text = str(raw).strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidValue(_("Enter a number.")) from None
    if not value.is_finite():
        raise InvalidValue(_("Enter a number."))
    if value != value.quantize(Decimal(1).scaleb(-definition.decimal_places)):
        if definition.decimal_places == 0:
            raise InvalidValue(_("Enter a whole number."))
        raise InvalidValue(
            _("Enter at most %(places)d decimal places.") % {"places": definition.decimal_places}
        )
    if value < definition.min_value:
        raise InvalidValue(
            _("Enter %(min)s or more.") % {"min": format_value(definition, definition.min_value)}
        )
    if definition.max_value is not None and value > definition.max_value:
        raise InvalidValue(
            _("Enter %(max)s or less.") % {"max": format_value(definition, definition.max_value)}
        )
    return value.quantize(Decimal(1).scaleb(-definition.decimal_places))


def format_value(definition: FigureDefinition, value: Decimal | None) -> str:
    """The value as the form shows it: the figure's decimal places, no grouping."""
    if value is None:
        return ""
    return f"{value:.{definition.decimal_places}f}"
