from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/<slug:code>/", views.group_detail, name="group_detail"),
    path("groups/<slug:code>/units/", views.unit_list, name="unit_list"),
    path("groups/<slug:code>/programmes/", views.program_list, name="program_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("register/changes/", views.change_log, name="change_log"),
    path("register/changes.xlsx", views.change_log_xlsx, name="change_log_xlsx"),
]
