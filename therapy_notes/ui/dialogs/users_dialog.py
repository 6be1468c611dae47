"""Accounts (administrators only): the list of users and a form to add one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.users import Role, User
from therapy_notes.ui.controllers.users import UsersController


class UsersDialog(QDialog):
    """Lists accounts and adds clinicians and reviewers through the users controller."""

    def __init__(self, users: UsersController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._users = users
        self.setWindowTitle("Users")
        self.setAccessibleName("Users")
        layout = QVBoxLayout(self)
        self.accounts = QListWidget()
        self.accounts.setAccessibleName("Accounts")
        layout.addWidget(self.accounts)
        box = QGroupBox("Add a user")
        form = QFormLayout(box)
        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.credentials = QLineEdit()
        self.credentials.setPlaceholderText("e.g. OTR/L or PT, DPT")
        self.role = QComboBox()
        for role in (Role.CLINICIAN, Role.REVIEWER, Role.ADMIN):
            self.role.addItem(role.value.capitalize(), role)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("User name", self.username)
        form.addRow("Full name", self.display_name)
        form.addRow("Credentials", self.credentials)
        form.addRow("Role", self.role)
        form.addRow("Password", self.password)
        form.addRow("Password again", self.password_again)
        self.add_button = QPushButton("Add user")
        self.add_button.clicked.connect(self.add_user)
        form.addRow(self.add_button)
        layout.addWidget(box)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        users.users_listed.connect(self._on_users_listed)
        users.user_created.connect(self._on_users_user_created)
        users.error_posted.connect(self._on_users_error_posted)
        self.finished.connect(self._on_finished)
        users.list_users()

    def add_user(self) -> None:
        if self.password.text() != self.password_again.text():
            self._on_users_error_posted("The two passwords differ. Type the same password twice.")
            return
        self._users.create_user(
            self.username.text(),
            self.display_name.text(),
            Role(self.role.currentData()),
            self.password.text(),
            self.credentials.text(),
        )

    def _on_users_listed(self, users: list[User]) -> None:
        self.accounts.clear()
        for user in users:
            self.accounts.addItem(f"{user.username} — {user.signature_name} ({user.role.value})")

    def _on_users_user_created(self, user: User) -> None:
        self.message.setStyleSheet("")
        self.message.setText(f"Added {user.username} ({user.role.value}).")
        for field in (
            self.username,
            self.display_name,
            self.credentials,
            self.password,
            self.password_again,
        ):
            field.clear()

    def _on_users_error_posted(self, message: str) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(message)

    def _on_finished(self, _result: int) -> None:
        self._users.users_listed.disconnect(self._on_users_listed)
        self._users.user_created.disconnect(self._on_users_user_created)
        self._users.error_posted.disconnect(self._on_users_error_posted)
