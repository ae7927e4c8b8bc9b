"""Use cases: what an editor, an importer or the operator does. Recording, previewing and reverting a change
(changes), importing dated snapshots and uploading one (archive), loading a data set folder (load), scaffolding
one (dataset_init), accounts and sessions (accounts), webhooks (webhooks), adding a report (reports) and the
editors' history (history). Each owns its transaction and what follows its commit, telling readers that a new
revision exists included: a use case that makes a revision ends with publish.publish(), which commits and then
tells the `readers` its caller had to hand it.

May import: app.domain, app.store, app.platform and app.read (to publish what it committed). Never the web
framework or an interface (app.api, app.web, app.cli).
"""
