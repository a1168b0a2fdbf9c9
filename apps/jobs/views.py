from django.shortcuts import render


def home(request):
    return render(request, "jobs/home.html")


def search(request):
    return render(request, "jobs/search.html")
