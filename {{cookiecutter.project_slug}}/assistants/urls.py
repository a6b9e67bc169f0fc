from django.urls import path

from assistants import views

app_name = "assistants"

urlpatterns = [
    path("", views.index, name="index"),
]
