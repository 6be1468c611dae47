"""The window's parts beside the dialogs: the session view and the review flow."""
