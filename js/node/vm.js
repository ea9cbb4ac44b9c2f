// Placeholder: to be written.
export default {};
