package writer

import (
	"errors"
	"fmt"
	"os"

	"github.com/kumoup/kumoup/model"
)

// ReadHostAnswers reads the answers the host commands (kumoup firewall and
// kumoup proxy) need: the file answers, else the layout's kumoup.yaml
// (Layout.AnswersFile). It is ReadAnswers with the defaults applied and no
// tokens resolved: the firewall and the KumoProxy host need none. It
// returns the deployment and the file it came from; a missing default
// file is an error that says to pass --answers.
func ReadHostAnswers(answers string, l Layout) (model.Deployment, string, error) {
	path := answers
	if path == "" {
		path = l.AnswersFile()
	}
	a, err := ReadAnswers(path)
	if err != nil {
		if answers == "" && errors.Is(err, os.ErrNotExist) {
			return model.Deployment{}, path, fmt.Errorf("no answers at %s: pass --answers FILE (proxy_host, firewall: ...; see the README's hosts section)", path)
		}
		return model.Deployment{}, path, err
	}
	return a.Deployment.WithDefaults(), path, nil
}
