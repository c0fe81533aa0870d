from django.urls import path

from . import views
from .bulletin import views as bulletin

app_name = "dashboards"
urlpatterns = [
    path("", views.index, name="index"),
    path("bulletin/", bulletin.bulletin, name="bulletin"),
    path("bulletin.docx", bulletin.bulletin_download, name="bulletin_docx"),
    path("<slug:name>/", views.dashboard, name="dashboard"),
]
