// Placeholder: the gateway runtime entry (issue 4).
console.error('gateway runtime not built yet');
process.exit(1);
