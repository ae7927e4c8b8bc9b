"""Use cases: what an editor, an importer or the operator does. Recording, previewing and reverting a change
(changes), importing dated snapshots (archive), loading a data set folder (load), scaffolding one
(dataset_init), accounts and sessions (accounts), webhooks (webhooks). Each owns its transaction and what
follows its commit, telling readers that a new revision exists included.

May import: app.domain, app.store, app.platform and app.read (to publish what it committed). Never the web
framework or an interface (app.api, app.web, app.cli).
"""
