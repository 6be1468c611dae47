"""Sign-in, or on a fresh database the creation of the first (administrator) account.

The dialog stays open across a wrong password: it asks the users controller, and closes
only when someone has signed in. The refusal never says whether the user name exists.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.users import User
from therapy_notes.ui.controllers.users import UsersController


class SignInDialog(QDialog):
    """Asks who is working; accepted once `UsersController.signed_in` fires."""

    def __init__(
        self, users: UsersController, *, is_first_run: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._users = users
        self.is_first_run = is_first_run
        self.user: User | None = None
        title = "Create the administrator account" if is_first_run else "Sign in to Therapy Notes"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "No accounts exist yet. Create the administrator account; it adds the clinicians "
            "and reviewers who write and sign notes."
            if is_first_run
            else "Sign in with your Therapy Notes account."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("Full name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again.setAccessibleName("Password again")
        form.addRow("User name", self.username)
        if is_first_run:
            form.addRow("Full name", self.display_name)
        form.addRow("Password", self.password)
        if is_first_run:
            form.addRow("Password again", self.password_again)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setAccessibleName("Sign-in error")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Create and sign in" if is_first_run else "Sign in")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        users.signed_in.connect(self._on_users_signed_in)
        users.sign_in_failed.connect(self._on_users_sign_in_failed)
        self.finished.connect(self._on_finished)
        self.setMinimumWidth(420)

    def submit(self) -> None:
        """Ask the controller; the answer arrives as `signed_in` or `sign_in_failed`."""
        if self.is_first_run:
            if self.password.text() != self.password_again.text():
                self.show_error("The two passwords differ. Type the same password twice.")
                return
            self._users.create_first_admin(
                self.username.text(), self.display_name.text(), self.password.text()
            )
        else:
            self._users.sign_in(self.username.text(), self.password.text())
        self.buttons.setEnabled(False)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.buttons.setEnabled(True)
        self.password.clear()
        self.password_again.clear()
        self.password.setFocus()

    def _on_users_signed_in(self, user: User) -> None:
        self.user = user
        self.accept()

    def _on_users_sign_in_failed(self, message: str) -> None:
        self.show_error(message)

    def _on_finished(self, _result: int) -> None:
        self._users.signed_in.disconnect(self._on_users_signed_in)
        self._users.sign_in_failed.disconnect(self._on_users_sign_in_failed)
