//! Who someone is to Helio (AC-2). Roles are distinct and least-privileged; what each may do
//! is the permission table's business ([Access]).

use std::fmt;

/// The role of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Orders installations for their own home.
    Customer,
    /// A crew member of a partner installer company.
    Installer,
    /// Customer support: customer data and orders as a task needs, never configuration.
    Support,
    /// Sales: pipeline and aggregates, names and cities only.
    Sales,
    /// Engineering: operations and configuration, customer data only through break-glass.
    Engineer,
    /// Staff accounts, roles and approvals.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 6] = [
        Self::Customer,
        Self::Installer,
        Self::Support,
        Self::Sales,
        Self::Engineer,
        Self::Admin,
    ];

    /// The stored and configured name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Installer => "installer",
            Self::Support => "support",
            Self::Sales => "sales",
            Self::Engineer => "engineer",
            Self::Admin => "admin",
        }
    }

    /// Parses a stored or configured name; unknown names are refused, never defaulted.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// Staff run the back office and are created by an admin, never by sign-up.
    #[must_use]
    pub const fn is_staff(self) -> bool {
        matches!(
            self,
            Self::Support | Self::Sales | Self::Engineer | Self::Admin
        )
    }

    /// Roles that must enrol a second factor before doing anything else (AU-1).
    #[must_use]
    pub const fn requires_mfa(self) -> bool {
        !matches!(self, Self::Customer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ac_2_roles_are_distinct_and_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn au_1_everyone_but_customers_must_use_mfa() {
        let required: Vec<_> = Role::ALL.into_iter().filter(|r| r.requires_mfa()).collect();
        assert_eq!(
            required,
            [
                Role::Installer,
                Role::Support,
                Role::Sales,
                Role::Engineer,
                Role::Admin
            ]
        );
        assert!(!Role::Customer.is_staff() && !Role::Installer.is_staff());
    }
}
