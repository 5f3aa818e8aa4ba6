package replay

import "testing"

func TestVersionsCompareAsDurableFunctionsComparesThem(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"two empty versions are equal", "", "", 0},
		{"an empty version is older than a defined one", "", "1.0", -1},
		{"a defined version is newer than an empty one", "1.0", "", 1},
		{"white space counts as empty", "  ", "", 0},
		{"equal dotted numbers are equal", "1.0", "1.0", 0},
		{"dotted numbers compare numerically: 1.10 is newer than 1.9", "1.10", "1.9", 1},
		{"a higher minor is newer", "1.1", "1.0", 1},
		{"a third component is compared", "1.0.1", "1.0.0", 1},
		{"a missing component is older than a present one, as in .NET", "1.0", "1.0.0", -1},
		{"four components are numbers", "1.2.3.4", "1.2.3.10", -1},
		{"five components are a string", "1.2.3.4.5", "1.2.3.4.6", -1},
		{"a single number is a string, as .NET's Version needs two parts", "10", "9", -1},
		{"v2 and V2 are equal: strings compare without case", "v2", "V2", 0},
		{"other strings compare in order", "alpha", "beta", -1},
		{"a number and a string compare as strings", "2.0", "v1", -1},
		{"negative components are not numbers: the strings compare", "1.-1", "1.0", -1},
		{"dates compare as strings", "2025-01-02", "2025-01-10", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CompareVersions(tc.a, tc.b); got != tc.want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := CompareVersions(tc.b, tc.a); got != -tc.want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
			}
		})
	}
}
