//! Learner warnings (filled in below).
