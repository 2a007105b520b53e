// The default deployment: every optional parameter left at its default.
using '../main.bicep'
extends 'base.bicepparam'
