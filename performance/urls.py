from django.urls import path

from . import views

app_name = "performance"
urlpatterns = [
    path("", views.scores, name="scores"),
    path("compute/", views.compute, name="compute"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/adjust/", views.adjust, name="adjust"),
]
