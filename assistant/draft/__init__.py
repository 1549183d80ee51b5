"""Drafting: a report section point by point (:mod:`.chain`), its text rules (:mod:`.text`), the figure guard on
drafts (:mod:`.guard`) and a whole 工作汇报 part by part (:mod:`.report`).  Import from the module that owns a name;
this package re-exports nothing, so importing one part does not load the others."""
