import Foundation
import Testing

/// Validates a SARIF file against the SARIF 2.1.0 schema (../shared/testdata/schemas) with Python's
/// jsonschema; nil when valid, else the errors.
func sarifSchemaError(_ file: URL) throws -> String? {
    let schema = try #require(Paths.testdata?.appendingPathComponent("schemas/sarif-schema-2.1.0.json"))
    let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        document = json.load(open(sys.argv[2]))
        validator = jsonschema.validators.validator_for(schema)
        validator.check_schema(schema)
        errors = sorted(validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
        print("\\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors) or "valid")
        """
    let output = try Shell.check(["python3", "-c", script, schema.path, file.path])
        .trimmingCharacters(in: .whitespacesAndNewlines)
    return output == "valid" ? nil : output
}
