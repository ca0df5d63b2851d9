"""Widgets shared by every filter bar."""

from django import forms


def select_widget(**attrs):
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


def search_widget(placeholder):
    return forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": placeholder})
