from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.forms import BootstrapMixin
from members.models import LeadingGroup


class QuarterForm(BootstrapMixin, forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=LeadingGroup.objects.order_by("order", "pk"), required=False
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[(q, f"Q{q}") for q in range(1, 5)],
        coerce=int,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].empty_label = None


class AdjustmentForm(BootstrapMixin, forms.Form):
    points = forms.DecimalField(label=_("Points (+ or −)"), max_digits=4, decimal_places=1)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
