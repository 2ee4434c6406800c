# Written for the stand-in, not recorded: the configuration the recorded plan stream
# (opentofu-ui-json/plan.jsonlog) describes: a data source read while planning, one resource to create.
data "test_data_source" "a" {
  id = "zzzzz"
}

resource "test_instance" "foo" {
  ami = data.test_data_source.a.id
}
