//! secrets placeholder
