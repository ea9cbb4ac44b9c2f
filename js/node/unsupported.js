// Builtins that arrive with later work (networking) or cannot exist in the VM.
export default {};
