from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    # The office
    path("", views.warning_list, name="warning_list"),
    path("evaluate/", views.evaluate, name="evaluate"),
    path("households/<int:pk>/score/", views.household_score, name="household_score"),
    # A warning: the office assigns it, the unit it is given to records the visit
    path("<int:pk>/", views.warning_detail, name="warning_detail"),
    path("<int:pk>/assign/", views.warning_assign, name="warning_assign"),
    path("<int:pk>/needed/", views.warning_needed, name="warning_needed"),
    path("<int:pk>/not-needed/", views.warning_not_needed, name="warning_not_needed"),
    # A unit's visits
    path("visits/", views.visit_list, name="visit_list"),
]
