"""The web layer: Gradio event handlers as plain methods (:mod:`.handlers`) and the escaped views they return
(:mod:`.render`, :mod:`.draft_view`, :mod:`.review_view`, :mod:`.library_view`, :mod:`.status`).  Nothing here
retrieves or prompts; ``app.py`` only builds the Blocks and wires events to the handlers."""
