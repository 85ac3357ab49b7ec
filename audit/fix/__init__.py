"""fix step: corrected copies of documents, a correction sheet, and suggestions.

    k = plan.knowledge(statuses, suggestions)             # pure: what the registry knows
    fixed = document.fix_document(path, k, Style.REPLACE) # corrected bytes + sheet rows
    output.write_all([fixed], out_dir, in_place=False)    # atomic; only when all are ready
    found = await suggest.suggest(suggest.failing(statuses), hosts, check, archive)
    stored.save(store, found)                             # kept; ReportData shows them

Import the modules themselves: `audit.pipeline` reads `audit.fix.stored` and must not
pay for the document readers.

Dead -> the verified archive copy (replaced, or noted beside the original);
moved -> the new address; malformed -> repaired; blocked, suspect and unknown
are left alone and listed.  Suggestions are shown, never applied unless accepted.
"""
