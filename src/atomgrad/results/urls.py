from django.urls import path

from atomgrad.results.views import committee, public

app_name = "results"

urlpatterns = [
    # public
    path("results/", public.results_index, name="index"),
    path("results/verify_atomgrad.py", public.verifier_download, name="verifier"),
    path("results/cities/<slug:slug>/", public.hall_of_fame, name="hall_of_fame"),
    path("results/<int:year>/", public.season_summary, name="season"),
    path("results/<int:year>/results.csv", public.export_csv, name="export_csv"),
    path("results/<int:year>/results.xlsx", public.export_xlsx, name="export_xlsx"),
    path("results/<int:year>/results.json", public.export_json, name="export_json"),
    path("results/<int:year>/ledger.jsonl", public.export_ledger, name="export_ledger"),
    path("results/<int:year>/<slug:slug>/", public.city_result, name="city"),
    path("results/<int:year>/<slug:slug>/protocol.pdf", public.protocol_pdf, name="protocol_pdf"),
    # committee and organisers
    path("committee/results/", committee.index, name="committee_index"),
    path("committee/results/audit.csv", committee.audit_download, name="audit_csv"),
    path("committee/results/<int:year>/publish/", committee.publish_season, name="publish_season"),
    path("committee/results/<int:year>/documents/", committee.documents_make, name="documents_make"),
    path("committee/results/<int:year>/protocols/", committee.protocols_make, name="protocols_make"),
    path("committee/results/<int:year>/documents.zip", committee.documents_download, name="documents_download"),
    path("committee/results/<int:year>/<slug:slug>/", committee.review, name="review"),
    path("committee/results/<int:year>/<slug:slug>/annul/", committee.annul, name="annul"),
    path("committee/results/<int:year>/<slug:slug>/reverse/", committee.reverse_annulments, name="reverse"),
    path("committee/results/<int:year>/<slug:slug>/disqualify/", committee.disqualify, name="disqualify"),
    path("committee/results/<int:year>/<slug:slug>/void/", committee.declare_void, name="void"),
    path("committee/results/<int:year>/<slug:slug>/decisions/<int:decision_id>/withdraw/",
         committee.withdraw_decision, name="withdraw"),
    path("committee/results/<int:year>/<slug:slug>/tie/", committee.decide_tie, name="tie"),
    path("committee/results/<int:year>/<slug:slug>/protocol/", committee.protocol_page, name="protocol"),
    path("committee/results/<int:year>/<slug:slug>/protocol/generate/", committee.protocol_make,
         name="protocol_generate"),
    path("committee/results/<int:year>/<slug:slug>/protocol/<int:protocol_id>/sign/", committee.protocol_mark_signed,
         name="protocol_sign"),
    path("committee/results/<int:year>/<slug:slug>/protocol/<int:protocol_id>/scan/", committee.protocol_scan,
         name="protocol_scan"),
    path("committee/results/<int:year>/<slug:slug>/protocol/<int:protocol_id>.pdf", committee.protocol_download,
         name="protocol_download"),
    path("committee/results/<int:year>/<slug:slug>/protocol/<int:protocol_id>/scan.file",
         committee.protocol_scan_download, name="protocol_scan_download"),
    path("committee/results/<int:year>/<slug:slug>/publish/", committee.publish_city, name="publish_city"),
]
