# Written for the stand-in, not recorded: the configuration the recorded apply stream
# (opentofu-ui-json/apply.jsonlog) describes: one resource to create, no outputs.
resource "test_instance" "foo" {
  ami = "bar"
}
