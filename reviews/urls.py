from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.ReviewQueueView.as_view(), name="queue"),
    path("applications/<int:pk>/", views.ApplicationReviewView.as_view(), name="application-review"),
    path("applications/<int:pk>/return/", views.ApplicationReturnView.as_view(), name="application-return"),
    path("applications/<int:pk>/reject/", views.ApplicationRejectView.as_view(), name="application-reject"),
    path("applications/<int:pk>/recommend/", views.ApplicationRecommendView.as_view(),
         name="application-recommend"),
    path("applications/<int:pk>/unrecommend/", views.ApplicationUnrecommendView.as_view(),
         name="application-unrecommend"),
    path("recommendations/export/", views.RecommendationExportView.as_view(), name="recommendation-export"),
]
