// Placeholder: the registry runtime entry (issue 5).
console.error('registry runtime not built yet');
process.exit(1);
